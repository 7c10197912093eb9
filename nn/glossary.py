"""术语表 Glossary: the course's terms in Chinese, as the slides write them, beside
the English ones chainrule's code and English edition use.

Every Chinese text chainrule prints uses these terms (a test checks the
catalog: a message containing the English term is translated with the Chinese
one), and the README's 术语表 is this table.
"""
from __future__ import annotations

from typing import NamedTuple


class Term(NamedTuple):
    english: str
    chinese: str
    symbol: str = ""


GLOSSARY: tuple[Term, ...] = (
    Term("neuron", "神经元"),
    Term("neural network", "神经网络"),
    Term("input layer", "输入层"),
    Term("hidden layer", "隐藏层"),
    Term("output layer", "输出层"),
    Term("weight", "权重", "w"),
    Term("bias", "偏置", "b"),
    Term("weighted sum", "加权和", "net"),
    Term("activation function", "激活函数", "f"),
    Term("activation", "激活值", "out"),
    Term("target", "目标值", "target"),
    Term("loss function", "损失函数", "E"),
    Term("total error", "总误差", "E_total"),
    Term("forward pass", "前向传播"),
    Term("backpropagation", "反向传播", "BP"),
    Term("backward pass", "反向传播"),
    Term("chain rule", "链式法则"),
    Term("multi-path sum rule", "多路径求和法则"),
    Term("partial derivative", "偏导数", "∂"),
    Term("local derivative", "局部导数"),
    Term("gradient", "梯度", "grad"),
    Term("error term", "误差项", "δ"),
    Term("learning rate", "学习率", "η"),
    Term("gradient descent", "梯度下降"),
    Term("batch gradient descent", "批量梯度下降", "BGD"),
    Term("stochastic gradient descent", "随机梯度下降", "SGD"),
    Term("mini-batch gradient descent", "小批量梯度下降"),
    Term("weight update", "权重更新", "Δw"),
    Term("epoch", "轮"),
    Term("computational graph", "计算图"),
    Term("vanishing gradient", "梯度消失"),
    Term("exploding gradient", "梯度爆炸"),
    Term("overfitting", "过拟合"),
    Term("regularization", "正则化"),
    Term("weight decay", "权重衰减", "λ"),
    Term("training set", "训练集"),
    Term("worked solution", "解题过程"),
    Term("erratum", "勘误"),
)
