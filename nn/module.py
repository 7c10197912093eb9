"""Module: the base of neurons, layers and networks.

A module's parameters are found, not registered: every public attribute holding
a leaf graph node (``Value`` or ``Tensor``) is a parameter, every public
attribute holding a ``Module`` (or a list/tuple of them) is a sub-module. Keep
caches in attributes whose name starts with ``_``.

``named_parameters()`` walks the tree breadth-first through attributes in
definition order, with dotted names (``layers.0.neurons.1.w.0``) and a memo, so
a parameter shared by several neurons (the slides' one bias per layer) is listed
once, under the first name it is met by.
"""
from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Union

import numpy as np

from autograd import Node

# --- frozen (untrained) parameters ---------------------------------------------------
# Frozen is a flag of the parameter itself (Node.frozen), so a deep copy or a
# pickled model keeps it.

def freeze(*params: Node) -> None:
    """Mark parameters as frozen: optimizers leave them unchanged (their grads are
    still computed, so a report can show them)."""
    for p in _nodes(params, "freeze"):
        p.frozen = True


def unfreeze(*params: Node) -> None:
    for p in _nodes(params, "unfreeze"):
        p.frozen = False


def is_frozen(p: Node) -> bool:
    return isinstance(p, Node) and p.frozen


def _nodes(params: tuple, who: str) -> tuple:
    for p in params:
        if not isinstance(p, Node):
            raise TypeError(f"{who}(): expected a Value or Tensor parameter, got {type(p).__name__}")
    return params


def _is_parameter(x: Any) -> bool:
    # a constant (a number lifted into the graph) is a leaf but never a parameter
    return isinstance(x, Node) and x.is_leaf and not x.is_constant


def _is_module_list(x: Any) -> bool:
    return isinstance(x, (list, tuple)) and len(x) > 0 and all(isinstance(m, Module) for m in x)


def _is_parameter_list(x: Any) -> bool:
    return isinstance(x, (list, tuple)) and len(x) > 0 and all(_is_parameter(p) for p in x)


class Module:
    """Base class: parameters(), named_parameters(), zero_grad(), freeze(),
    train()/eval(), state_dict()/load_state_dict(), save()/load() and a
    readable repr."""

    # A batched module takes a whole (N, nin) array per call (a Tensor model);
    # a scalar module takes one sample (a list of numbers) per call.
    batched: bool = False
    # Training mode (the default) or evaluation mode (after eval()): only modules
    # that act differently in the two, as Dropout, read it.
    training: bool = True

    # --- modes ------------------------------------------------------------------------
    def modules(self) -> Iterator["Module"]:
        """This module and every sub-module under it, each once."""
        seen: set[int] = set()
        stack: list[Module] = [self]
        while stack:
            module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield module
            stack.extend(child for _, child in reversed(list(module.named_children())))

    def train(self, mode: bool = True) -> "Module":
        """Training mode for this module and all under it (dropout drops);
        ``train(False)`` is ``eval()``."""
        if not isinstance(mode, bool):
            raise TypeError(f"train(): mode must be True or False, got {mode!r}")
        for module in self.modules():
            module.training = mode
        return self

    def eval(self) -> "Module":
        """Evaluation mode for this module and all under it: dropout passes
        everything through unchanged (the trained network's own predictions)."""
        return self.train(False)

    # --- the tree -----------------------------------------------------------------
    def named_children(self) -> Iterator[tuple[str, "Module"]]:
        for name, value in vars(self).items():
            if name.startswith("_"):
                continue
            if isinstance(value, Module):
                yield name, value
            elif _is_module_list(value):
                for i, m in enumerate(value):
                    yield f"{name}.{i}", m

    def _own_parameters(self) -> Iterator[tuple[str, Node]]:
        for name, value in vars(self).items():
            if name.startswith("_"):
                continue
            if _is_parameter(value):
                yield name, value
            elif _is_parameter_list(value):
                for i, p in enumerate(value):
                    yield f"{name}.{i}", p

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Node]]:
        """(dotted name, parameter) pairs; a shared parameter appears once."""
        memo: set[int] = set()
        # Iterative walk: own parameters first, then children, in attribute order.
        stack: list[tuple[str, Module]] = [(prefix, self)]
        while stack:
            path, module = stack.pop()
            dot = f"{path}." if path else ""
            for name, p in module._own_parameters():
                if id(p) not in memo:
                    memo.add(id(p))
                    yield dot + name, p
            children = list(module.named_children())
            for name, child in reversed(children):
                stack.append((dot + name, child))

    def parameters(self) -> list[Node]:
        """Every parameter once (frozen ones included; optimizers skip those)."""
        return [p for _, p in self.named_parameters()]

    def trainable_parameters(self) -> list[Node]:
        return [p for p in self.parameters() if not is_frozen(p)]

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = p.zero_gradient()

    def freeze(self, *names: str) -> "Module":
        """Freeze parameters by dotted name or label; no names = the whole module."""
        params = self._select(names)
        freeze(*params)
        return self

    def unfreeze(self, *names: str) -> "Module":
        unfreeze(*self._select(names))
        return self

    def _select(self, names: tuple[str, ...]) -> list[Node]:
        if not names:
            return self.parameters()
        by_name = dict(self.named_parameters())
        by_label = {p.label: p for p in by_name.values() if p.label}
        chosen = []
        for n in names:
            if n in by_name:
                chosen.append(by_name[n])
            elif n in by_label:
                chosen.append(by_label[n])
            else:
                known = ", ".join(list(by_label) or list(by_name))
                raise KeyError(f"no parameter named {n!r} (known: {known})")
        return chosen

    # --- parameters as arrays ------------------------------------------------------
    def state_dict(self) -> dict[str, np.ndarray]:
        """{dotted name: a copy of the parameter's data as a float64 array}."""
        return {name: np.array(p.data, dtype=np.float64) for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, Any], strict: bool = True) -> None:
        """Set parameters from ``state``; names and shapes must match and every
        value must be a finite real number. Everything is checked before anything
        is set, so a bad state leaves the model as it was."""
        self._set_state(state, strict, "load_state_dict()")

    def _set_state(self, state: Mapping[str, Any], strict: bool, who: str) -> None:
        # ``who`` starts every message: the method, and for load() the file too.
        if not isinstance(state, Mapping):
            raise TypeError(f"{who}: state must be a dict {{name: array}} "
                            f"(as state_dict() returns), got {type(state).__name__}")
        params = dict(self.named_parameters())
        if strict:
            missing = sorted(set(params) - set(state))
            unexpected = sorted(set(state) - set(params))
            if missing or unexpected:
                parts = []
                if missing:
                    parts.append(f"missing {', '.join(missing)}")
                if unexpected:
                    parts.append(f"unexpected {', '.join(unexpected)}")
                raise KeyError(f"{who}: names do not match the model: {'; '.join(parts)}")
        updates = []
        for name, p in params.items():
            if name not in state:
                continue
            new = _real_array(state[name], name, who)
            old_shape = np.shape(p.data)
            if new.shape != old_shape:
                raise ValueError(
                    f"{who}: {name} has shape {old_shape} in the model but "
                    f"{new.shape} in the saved state"
                )
            if not np.all(np.isfinite(new)):
                bad = new[~np.isfinite(new)].flat[0]
                raise ValueError(f"{who}: {name} holds {bad} in the saved state; "
                                 "every parameter must be a finite number")
            updates.append((p, new))
        for p, new in updates:
            # A new object, never an in-place write: arrays may be shared.
            p.data = float(new) if isinstance(p.data, float) else new.copy()

    def save(self, path: Union[str, os.PathLike]) -> Path:
        """Write the parameters by name to an ``.npz`` file, atomically: a temp
        file in the same folder, then ``os.replace`` (a crash mid-save leaves the
        old file intact). The folder must exist. A new file gets the permissions
        the umask allows (as any new file); an overwritten one keeps its own."""
        path = _as_path(path, "save")
        if path.is_dir():
            raise IsADirectoryError(f"save(): {path} is a folder; give a file name such as "
                                    f"{path / 'model.npz'}")
        folder = path.parent
        if not folder.is_dir():
            what = "is not a folder" if folder.exists() else "does not exist"
            raise FileNotFoundError(f"save(): cannot write {path}: the folder {folder} {what}")
        state = self.state_dict()
        try:
            fd, tmp = _create_temp_beside(path)
        except OSError as e:  # e.g. no permission: name the target, not the temp file
            raise type(e)(f"save(): cannot write {path}: {e.strerror or e}") from None
        try:
            with os.fdopen(fd, "wb") as f:
                np.savez(f, **state)
                f.flush()
                os.fsync(f.fileno())
            try:
                os.replace(tmp, path)
            except OSError as e:
                raise type(e)(f"save(): cannot write {path}: {e.strerror or e}") from None
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        return path

    def load(self, path: Union[str, os.PathLike], strict: bool = True) -> "Module":
        """Set the parameters from an ``.npz`` file written by ``save``. A file
        that cannot be read, or does not fit the model, raises one error naming
        it, and leaves every parameter as it was."""
        path = _as_path(path, "load")
        if path.is_dir():
            raise IsADirectoryError(f"load(): {path} is a folder, not a saved .npz file")
        if not path.exists():
            raise FileNotFoundError(f"load(): no file {path}")
        self._set_state(_read_npz(path), strict, f"load(): {path}")
        return self

    # --- repr -------------------------------------------------------------------------
    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        children = list(self.named_children())
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not children:
            return head + ")"
        lines = [head]
        for name, child in children:
            text = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {text}")
        return "\n".join(lines) + "\n)"


@contextlib.contextmanager
def using_mode(model: Module, training: bool) -> Iterator[Module]:
    """Within this block ``model`` is in training (True) or evaluation mode;
    afterwards every module is back in the mode it had."""
    before = [(m, m.training) for m in model.modules()]
    model.train(training)
    try:
        yield model
    finally:
        for m, mode in before:
            m.training = mode


def _as_path(path: Any, who: str) -> Path:
    if not isinstance(path, (str, os.PathLike)) or str(path) == "":
        raise TypeError(f"{who}(): path must be a file name (str or Path), got {path!r}")
    return Path(path)


def _real_array(value: Any, name: str, who: str) -> np.ndarray:
    """``value`` as a float64 array, refusing what would convert silently into
    garbage: complex numbers (numpy keeps the real part) and text ("0.5")."""
    raw = value if isinstance(value, np.ndarray) else np.asarray(value, dtype=object)
    kind = raw.dtype.kind
    complex_ = []
    if kind == "O":  # Python objects: real numbers convert, anything else is named
        for x in raw.flat:
            if isinstance(x, (str, bytes)):
                raise TypeError(f"{who}: {name} must be numbers, got the text {x!r}")
            if isinstance(x, (complex, np.complexfloating)):
                complex_.append(x)
    elif kind == "c":
        flat = raw.ravel()
        complex_ = list(flat[flat.imag != 0]) or list(flat[:1])
    if kind == "c" or complex_:
        example = f" (such as {complex_[0]})" if complex_ else ""
        raise TypeError(f"{who}: {name} holds complex numbers{example}; every parameter "
                        "must be a real number")
    if kind not in "biufO":
        raise TypeError(f"{who}: {name} must be numbers, got an array of dtype {raw.dtype}")
    try:
        return np.asarray(raw, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{who}: {name} must be numbers, got {value!r}") from None


# The temp file's name is short, whatever the target's: a target name may be
# near the file system's limit (NAME_MAX, 255 bytes), so the temp name keeps
# only the start of it (enough to recognise a leftover after a crash).
_TEMP_STEM_BYTES = 40


def _create_temp_beside(path: Path) -> tuple[int, str]:
    """Create a new temp file in ``path``'s folder: (open fd, its name). Its
    permissions are those ``path`` will have: the existing file's own, or for a
    new file what the umask allows (the OS applies it to mode 0o666, as for any
    new file; tempfile.mkstemp would make every save 0600)."""
    stem = path.name
    while len(os.fsencode(stem)) > _TEMP_STEM_BYTES:
        stem = stem[:-1]  # whole characters: the name stays valid text
    try:
        keep = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        keep = None
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = os.path.join(path.parent, f".{stem}.{secrets.token_hex(4)}.tmp")
        try:
            fd = os.open(tmp, flags, 0o666)
        except FileExistsError:
            continue
        if keep is not None:
            try:
                os.chmod(tmp, keep)
            except BaseException:
                os.close(fd)
                os.unlink(tmp)
                raise
        return fd, tmp
    raise FileExistsError(errno.EEXIST, "no free temporary file name")


def _read_npz(path: Path) -> dict[str, np.ndarray]:
    """Every array of an ``.npz`` file by name; whatever cannot be read becomes
    one ValueError naming the file. (A damaged zip fails in many ways:
    BadZipFile for a bad CRC, NotImplementedError for a flipped compression
    field, RuntimeError for the encryption bit, EOFError, OSError, ... and
    numpy's own messages about pickles would only mislead.)"""
    not_npz = (f"load(): {path} is not an .npz file of parameters (as Module.save "
               "writes)")
    try:
        data = np.load(path)  # allow_pickle=False: a file never runs code
    except PermissionError as e:
        raise PermissionError(f"load(): cannot read {path}: {e.strerror or e}") from None
    except Exception:
        raise ValueError(not_npz) from None
    if not isinstance(data, np.lib.npyio.NpzFile):
        raise ValueError(f"load(): {path} holds one array, not an .npz file of named "
                         "parameters (as Module.save writes)")
    state = {}
    with data:
        try:
            names = data.files
        except Exception:
            raise ValueError(not_npz) from None
        for name in names:
            try:
                state[name] = data[name]
            except Exception:
                raise ValueError(
                    f"load(): {path} is damaged or was not written by Module.save: its "
                    f"entry {name!r} cannot be read as an array of numbers (a corrupt "
                    "file, or one holding Python objects, which load() never unpickles)"
                ) from None
    return state


def parameters_of(x: Union[Module, Iterable[Node]]) -> list[Node]:
    """A module's parameters, or a list of parameters as given."""
    if isinstance(x, Module):
        return x.parameters()
    params = list(x)
    for i, p in enumerate(params):
        if not isinstance(p, Node):
            raise TypeError(f"parameter {i} is a {type(p).__name__}, not a Value or Tensor")
    return params
