"""Pictures of computation graphs and networks."""
