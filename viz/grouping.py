"""Grouping a big graph into boxes (``draw_graph(root, group=...)``), working
from the nodes' labels and the graph's structure only.

Grouping (``group=``) collapses big graphs, working from the nodes' labels
and the graph's structure only:

1. Each node gets a group name from the ``group`` rule: ``"neuron"`` puts
   ``net_h1``/``out_h1`` (the nn package's names) in neuron ``h1`` and any
   other labelled operation (``E_o1``, ``E_total``) in a group of its label;
   ``"layer"`` does the same, then merges neurons into layers by name (h1, h2,
   h3 -> ``h*``; h2_1 ... h2_16 -> ``h2_*``; o1, o2 -> ``o*``); ``"label"``
   makes every labelled operation a group; a mapping {label prefix: name} or a
   function node -> name (or None) gives your own.
2. Leaves whose label other leaves carry too are per-sample data (the ``x1``
   of every sample of a batch): they gather by label.
3. A node still without a name joins the group of the node(s) it feeds when
   they all agree: the products and partial sums inside a neuron join that
   neuron's ``net_h1``, a weight joins the neuron it feeds. (With ``"layer"``
   this is decided at the neuron level, so an input feeding several neurons of
   one layer stays apart.)
4. What is left: labelled nodes gather by label (a shared bias ``b1``),
   unlabelled leaves feeding several groups gather as "inputs", the rest are
   drawn one by one. A group of a single node is drawn as that node.
"""
from __future__ import annotations

from collections import Counter
from typing import Callable, Mapping, Optional, Union

from autograd import Node
from nn.naming import neuron_of

from .i18n import _
from .topology import Graph

GroupRule = Union[str, Mapping[str, str], Callable[[Node], Optional[str]]]


def _layer_of(neuron: str) -> str:
    """The layer of a neuron name: h2_5 -> h2_*, h3 -> h*, o1 -> o* (the names
    nn.naming.neuron_names gives, read back; other names by the same pattern)."""
    if "_" in neuron:
        return neuron.rsplit("_", 1)[0] + "_*"
    return (neuron.rstrip("0123456789") or neuron) + "*"


def _by_label(node: Node) -> Optional[str]:
    return (node.label or None) if node.children else None


def _by_neuron(node: Node) -> Optional[str]:
    if not (node.label and node.children):
        return None
    return neuron_of(node.label) or node.label


def _by_layer(node: Node) -> Optional[str]:
    # Only a marker: "layer" groups by neuron first, then merges the neurons of a
    # layer (see group_names), so an input feeding several neurons stays apart.
    return _by_neuron(node)


STRATEGIES: dict[str, Callable[[Node], Optional[str]]] = {
    "label": _by_label,
    "neuron": _by_neuron,
    "layer": _by_layer,
}


def _group_rule(group: GroupRule) -> Callable[[Node], Optional[str]]:
    if isinstance(group, str):
        try:
            return STRATEGIES[group]
        except KeyError:
            raise ValueError(_(
                "group={value}: unknown grouping; use one of {options}, a mapping {{label prefix: "
                "group name}}, or a function node -> group name (or None)").format(
                value=repr(group), options=sorted(STRATEGIES))) from None
    if isinstance(group, Mapping):
        prefixes = sorted(group.items(), key=lambda kv: -len(kv[0]))

        def by_prefix(node: Node) -> Optional[str]:
            label = node.label
            if label:
                for prefix, name in prefixes:
                    if label.startswith(prefix):
                        return name
            return None
        return by_prefix
    if callable(group):
        return group
    raise TypeError(_("group must be a str, a mapping or a function, got {kind}").format(
        kind=type(group).__name__))


def assign_groups(root: Node, group: GroupRule) -> dict[int, Optional[str]]:
    """Group name of every node under ``root`` (keyed by ``id(node)``), by the
    rules in this module's docstring; ``None`` means drawn on its own."""
    graph = Graph(root)
    return {id(graph.order[i]): g for i, g in enumerate(group_names(graph, group))}


def group_names(graph: Graph, group: GroupRule) -> list[Optional[str]]:
    """The group name of every node of ``graph``, in its order (None: drawn alone)."""
    rule = _group_rule(group)
    groups = _assign(graph, rule)
    if rule is _by_layer:  # neurons first, then each neuron into its layer
        layer_of = {g: _layer_of(g) for g in set(groups) if g is not None}
        neurons = {neuron_of(n.label) for n in graph.order if n.children and n.label}
        groups = [layer_of[g] if g in neurons else g for g in groups]
    return groups


def _assign(graph: Graph, rule: Callable[[Node], Optional[str]]) -> list[Optional[str]]:
    order = graph.order
    labels = [n.label for n in order]
    leaf = [not n.children for n in order]
    if rule in (_by_neuron, _by_layer):  # the built-in rule, on the labels read once
        groups: list[Optional[str]] = [
            None if (is_leaf or not label) else (neuron_of(label) or label)
            for label, is_leaf in zip(labels, leaf)]
    else:
        groups = [None if g is None else str(g) for g in map(rule, order)]
    # Leaves carrying the same label as other leaves are per-sample data (the x1
    # of every sample): they gather by label rather than join the first layer.
    leaf_labels = Counter(label for label, is_leaf in zip(labels, leaf) if is_leaf and label)
    for i, label in enumerate(labels):
        if groups[i] is None and leaf[i] and label and leaf_labels[label] > 1:
            groups[i] = label
    users = graph.users
    for i in range(len(order) - 1, -1, -1):  # users before the nodes they use
        if groups[i] is not None:
            continue
        seen = {groups[p] for p, _ in users[i]}
        if len(seen) == 1:
            groups[i] = seen.pop()  # may be None: then it stays alone
    for i, label in enumerate(labels):
        if groups[i] is None:
            if label:
                groups[i] = label
            elif leaf[i] and len(users[i]) > 1:
                groups[i] = "inputs"
    return groups

