"""The BP slides' 2-3-2 network, built once for every test that needs it: shared
biases b1, b2; inputs l1, l2; the weights numbered as the slides print them."""
from nn import MLP, Layer


def slides_232_model() -> MLP:
    hidden = Layer(2, 3, "sigmoid", weights=[[0.1, 0.15], [0.2, 0.25], [0.3, 0.35]], bias=0.35,
                   neuron_names=["h1", "h2", "h3"],
                   weight_names=[["w1", "w2"], ["w3", "w4"], ["w5", "w6"]], bias_names="b1")
    output = Layer(3, 2, "sigmoid", weights=[[0.4, 0.5, 0.6], [0.45, 0.55, 0.65]], bias=0.65,
                   neuron_names=["o1", "o2"],
                   weight_names=[["w7", "w9", "w11"], ["w8", "w10", "w12"]], bias_names="b2")
    return MLP.from_layers([hidden, output], input_names=["l1", "l2"])


INPUTS = [5.0, 10.0]
TARGETS = [[0.01, 0.99]]


# A 2-2-1 spec of the course's format: solved in milliseconds, so each CLI case costs little.
SMALL_SPEC = """\
name = "small"
inputs = [0.5, 1.0]
targets = [0.2]
learning_rate = 0.5
[[layers]]
neurons = ["h1", "h2"]
weights = [[0.1, 0.2], [0.3, 0.4]]
bias = 0.1
[[layers]]
neurons = ["o1"]
weights = [[0.5, 0.6]]
"""
