"""The slides' naming rule (nn.naming) is the one the models use."""
from nn import MLP, naming


def test_the_232_network_is_named_as_on_the_slides():
    model = MLP(2, [3, 2], bias="shared", seed=0)
    hidden, output = model.layers
    assert [n.name for n in hidden.neurons] == naming.neuron_names(0, 2, 3) == ["h1", "h2", "h3"]
    assert [n.name for n in output.neurons] == naming.neuron_names(1, 2, 2) == ["o1", "o2"]
    assert [[w.label for w in n.w] for n in output.neurons] == naming.weight_names(3, 2, before=6) == [
        ["w7", "w8", "w9"], ["w10", "w11", "w12"]]
    assert [b.label for b in hidden.biases()] == [naming.shared_bias(0)] == ["b1"]
    outs = model([0.05, 0.10])
    assert [o.label for o in outs] == [naming.out("o1"), naming.out("o2")] == ["out_o1", "out_o2"]


def test_deeper_networks_number_hidden_layers_and_names_read_back():
    assert naming.neuron_names(1, 4, 2) == ["h2_1", "h2_2"]
    assert MLP(2, [2, 2, 1], seed=0).layers[1].neurons[1].name == "h2_2"
    for neuron in ("h1", "h2_5", "o1"):
        assert naming.neuron_of(naming.net(neuron)) == neuron == naming.neuron_of(naming.out(neuron))
    assert naming.neuron_of(naming.TOTAL_ERROR) is None and naming.neuron_of("w7") is None


def test_own_biases_are_named_after_their_neuron():
    hidden = MLP(2, [3, 2], seed=0).layers[0]
    assert [b.label for b in hidden.biases()] == [naming.own_bias(n) for n in ("h1", "h2", "h3")] == [
        "b_h1", "b_h2", "b_h3"]


def test_names_sort_as_the_slides_list_them():
    assert sorted(["w10", "w2", "w1", "h1_10", "h1_2"], key=naming.reading_order) == [
        "h1_2", "h1_10", "w1", "w2", "w10"]
