"""Values as the Python that rebuilds them, with the imports and definitions it needs.

Reproducers (``FaultPlan.to_code()``, the pytest plugin's failure report,
``strategies.reproducer``) print with this module, so what they print runs when
pasted into a file:

* exceptions and classes are named by an import path that resolves to them
  (``ConnectionError``, ``inngest.NonRetriableError``, ``tests.test_media.Refused``),
  with the ``import`` it needs;
* a lambda is its own source; a function is its import path, or its source when it
  was defined inside another function. The names either uses from outside are
  imported, or assigned when they hold a plain value; defaults are written as the
  values they took;
* what cannot be written out (a closure over an arbitrary object, a lambda whose
  source is not on disk) becomes ``replace_me('<what it was>')``: a marked
  placeholder, printed with its definition, that raises a helpful error when run.
"""

from __future__ import annotations

import ast
import builtins
import dataclasses
import datetime as dt
import dis
import functools
import linecache
import math
import sys
import textwrap
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

__all__ = ["PLACEHOLDER", "Code", "Program", "join", "placeholder", "value_code"]

PLACEHOLDER = "replace_me"
_PLACEHOLDER_DEF = f'''def {PLACEHOLDER}(what):
    """Stands for a value the printed code could not write out: put yours in its place."""
    raise NotImplementedError(
        f"this pasted code needs a value it could not print ({{what}}): "
        "replace the {PLACEHOLDER}(...) call with it"
    )'''
_DATETIME = (dt.datetime, dt.date, dt.time, dt.timedelta, dt.timezone)
_LOADS = {"LOAD_GLOBAL", "LOAD_NAME", "STORE_GLOBAL", "DELETE_GLOBAL"}


@dataclasses.dataclass(frozen=True, slots=True)
class Code:
    """An expression, the import lines it needs and the definitions it names.

    ``defs`` are ``(name, source)`` pairs: top-level statements (a ``def``, an
    assignment) that bind ``name`` and must come before the expression.
    """

    text: str
    imports: frozenset[str] = frozenset()
    defs: tuple[tuple[str, str], ...] = ()


def join(parts: Iterable[Code | str], sep: str = ", ") -> Code:
    """The parts' texts joined by ``sep``, needing what each part needs."""
    codes = [Code(p) if isinstance(p, str) else p for p in parts]
    defs: dict[tuple[str, str], None] = {}
    for code in codes:
        defs.update(dict.fromkeys(code.defs))
    return Code(
        sep.join(c.text for c in codes),
        frozenset().union(*(c.imports for c in codes)),
        tuple(defs),
    )


def _wrap(code: Code, before: str, after: str) -> Code:
    return Code(f"{before}{code.text}{after}", code.imports, code.defs)


def placeholder(what: str) -> Code:
    """``replace_me('<what>')``: raises, when the pasted code runs, saying what goes there."""
    return Code(f"{PLACEHOLDER}({what!r})", defs=((PLACEHOLDER, _PLACEHOLDER_DEF),))


def _short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ------------------------------------------------------------------ values
def value_code(value: Any) -> Code:
    """``value`` as an expression that rebuilds it (a placeholder when none can).

    An object whose class has a ``fault_code()`` method prints as what it returns.
    """
    custom = getattr(type(value), "fault_code", None)
    if callable(custom):
        code: Code = custom(value)
        return code
    if value is None or isinstance(value, bool | int | str | bytes):
        return Code(repr(value))
    if isinstance(value, float):
        return Code(repr(value) if math.isfinite(value) else f"float({str(value)!r})")
    if isinstance(value, list):
        return _wrap(join(map(value_code, value)), "[", "]")
    if isinstance(value, tuple):
        return _wrap(join(map(value_code, value)), "(", ",)" if len(value) == 1 else ")")
    if isinstance(value, dict):
        items = [join([value_code(k), value_code(v)], ": ") for k, v in value.items()]
        return _wrap(join(items), "{", "}")
    if isinstance(value, _DATETIME):
        return Code(repr(value), frozenset({"import datetime"}))
    if isinstance(value, BaseException):
        return _exception_code(value)
    if isinstance(value, type):
        return _reference(value) or placeholder(f"class {value.__qualname__}, not importable")
    if callable(value):
        return _callable_code(value)
    return placeholder(f"{_short(repr(value))}, which has no code form")


def _exception_code(exc: BaseException) -> Code:
    args = list(exc.args)
    retry_after = getattr(exc, "retry_after", None)
    if retry_after is not None:
        # RetryAfterError keeps its deadline as an attribute, not in ``args``.
        args.append(retry_after)
    cls = type(exc)
    try:
        rebuilt: BaseException | None = cls(*args)
    except Exception:
        rebuilt = None
    if rebuilt is None or rebuilt.args != exc.args:
        return placeholder(
            f"{_short(repr(exc))}: {cls.__qualname__}(...) does not take back the "
            "arguments it keeps"
        )
    name = value_code(cls)
    if name.text.startswith(PLACEHOLDER):
        return placeholder(f"{_short(repr(exc))}, whose class is not importable")
    return join([name, _wrap(join(map(value_code, args)), "(", ")")], "")


def _import_path(obj: Any) -> tuple[str, str] | None:
    """``(module, qualname)``: the shortest public import path that resolves to ``obj``."""
    module, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
    if not isinstance(module, str) or not isinstance(qualname, str) or "<" in qualname:
        return None
    if module == "builtins":
        return (module, qualname) if getattr(builtins, qualname, None) is obj else None
    parts = module.split(".")
    paths = [".".join(parts[: i + 1]) for i in range(len(parts))]
    # Public paths first: ``inngest.NonRetriableError``, not the private module it lives in.
    paths.sort(key=lambda p: (any(s.startswith("_") for s in p.split(".")), len(p)))
    for path in paths:
        if _resolve(sys.modules.get(path), qualname) is obj:
            return path, qualname
    return None


def _resolve(module: Any, qualname: str) -> Any:
    if module is None or module.__name__ == "__main__" or getattr(module, "__spec__", None) is None:
        return None  # not importable by name (a script, an exec'd namespace)
    value = module
    for name in qualname.split("."):
        value = getattr(value, name, None)
    return value


def _reference(obj: Any) -> Code | None:
    found = _import_path(obj)
    if found is None:
        return None
    module, qualname = found
    if module == "builtins":
        return Code(qualname)
    return Code(f"{module}.{qualname}", frozenset({f"import {module}"}))


# --------------------------------------------------------------- callables
class _Unprintable(Exception):
    """A callable uses something that cannot be written out as code."""


_printing: set[int] = set()  # functions being printed: a recursive one names itself


def _callable_code(fn: Any) -> Code:
    what = _describe(fn)
    if not isinstance(fn, types.FunctionType):
        return _reference(fn) or placeholder(f"{what}, which has no code form")
    lambda_ = fn.__name__ == "<lambda>"
    if not lambda_:
        reference = _reference(fn)
        if reference is not None:
            return reference
    if id(fn) in _printing:  # it names itself
        return placeholder(f"{what}, which calls itself") if lambda_ else Code(fn.__name__)
    _printing.add(id(fn))
    try:
        found = _source(fn)
        if found is None:
            return placeholder(f"{what}, whose source is not available")
        node, text, defaults = found
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.decorator_list:
            return placeholder(f"{what}, a decorated function")
        needs = join([defaults, *_bindings(fn, node, what)])
    except _Unprintable as exc:
        return placeholder(str(exc))
    finally:
        _printing.discard(id(fn))
    if isinstance(node, ast.Lambda):
        return Code(f"({text})" if "\n" in text else text, needs.imports, needs.defs)
    return Code(fn.__name__, needs.imports, (*needs.defs, (fn.__name__, text)))


def _describe(fn: Any) -> str:
    code = getattr(fn, "__code__", None)
    name = getattr(fn, "__qualname__", None) or type(fn).__name__
    if name.endswith("<lambda>"):
        name = "the lambda"
    if code is not None:
        return f"{name} at {code.co_filename}:{code.co_firstlineno}"
    return _short(repr(fn))


@functools.lru_cache(maxsize=32)
def _parse(source: str) -> ast.Module | None:
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError):
        return None


def _source(fn: types.FunctionType) -> tuple[ast.AST, str, Code] | None:
    """The lambda or ``def`` node of ``fn``, its source with defaults written as values,
    and what those values need."""
    code = fn.__code__
    lines = linecache.getlines(code.co_filename, fn.__globals__)
    source = "".join(lines)
    tree = _parse(source) if lines else None
    if tree is None:
        return None
    node: ast.AST
    if fn.__name__ == "<lambda>":
        spots = [
            (line, col)
            for line, end_line, col, end_col in code.co_positions()
            if line is not None and col is not None and (end_line, end_col) != (line, col)
        ]
        lambdas = [
            n
            for n in ast.walk(tree)
            if isinstance(n, ast.Lambda) and n.lineno == code.co_firstlineno and _holds(n, spots)
        ]
        if not lambdas:
            return None
        # A lambda inside another holds the same spots: the innermost is this one.
        node = min(lambdas, key=_extent)
    else:
        defs = [
            n
            for n in ast.walk(tree)
            if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
            and n.name == fn.__name__
            and min([n.lineno, *(d.lineno for d in n.decorator_list)]) == code.co_firstlineno
        ]
        if len(defs) != 1:
            return None
        node = defs[0]
    defaults = _defaults(fn, node)
    needs = join(code for _, code in defaults)
    if not isinstance(node, ast.Lambda):
        return node, _def_source(node, lines, defaults), needs
    text = _segment(lines, node, [(d, code.text) for d, code in defaults])
    # An expression: its first line starts where it did; the rest sits in brackets.
    first, _, rest = text.partition("\n")
    return node, first.strip() + ("\n" + textwrap.dedent(rest) if rest else ""), needs


def _def_source(
    node: ast.FunctionDef | ast.AsyncFunctionDef,
    lines: list[str],
    defaults: list[tuple[ast.expr, Code]],
) -> str:
    """The ``def`` with its defaults written as values and without annotations.

    Annotations may name what only a type checker imports, and a pasted snippet
    cannot begin with ``from __future__ import annotations``.
    """
    values = {id(default): code.text for default, code in defaults}

    def value(default: ast.expr) -> ast.expr:
        text = values.get(id(default))
        return default if text is None else ast.parse(text, mode="eval").body

    def plain(arg: ast.arg | None) -> ast.arg | None:
        return None if arg is None else ast.arg(arg=arg.arg)

    a = node.args
    args = ast.arguments(
        posonlyargs=[ast.arg(arg=x.arg) for x in a.posonlyargs],
        args=[ast.arg(arg=x.arg) for x in a.args],
        vararg=plain(a.vararg),
        kwonlyargs=[ast.arg(arg=x.arg) for x in a.kwonlyargs],
        kw_defaults=[None if d is None else value(d) for d in a.kw_defaults],
        kwarg=plain(a.kwarg),
        defaults=[value(d) for d in a.defaults],
    )
    asynchronous = "async " if isinstance(node, ast.AsyncFunctionDef) else ""
    head = f"{asynchronous}def {node.name}({ast.unparse(args)}):"
    first = node.body[0]
    if first.lineno == node.lineno:  # ``def f(ctx): return ...`` on one line
        body = "\n".join(ast.unparse(statement) for statement in node.body)
    else:
        body = textwrap.dedent("".join(lines[first.lineno - 1 : node.end_lineno]))
    return head + "\n" + textwrap.indent(body.rstrip("\n"), "    ")


def _holds(node: ast.AST, spots: Sequence[tuple[int, int]]) -> bool:
    start, end = _start(node), _end(node)
    return all(start <= spot < end for spot in spots)


def _start(node: ast.AST) -> tuple[int, int]:
    return (node.lineno, node.col_offset)  # type: ignore[attr-defined]


def _end(node: ast.AST) -> tuple[int, int]:
    return (node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]


def _extent(node: ast.AST) -> tuple[int, int]:
    (l1, c1), (l2, c2) = _start(node), _end(node)
    return (l2 - l1, c2 - c1)


def _defaults(fn: types.FunctionType, node: ast.AST) -> list[tuple[ast.expr, Code]]:
    """Each default's node and the value it took when ``fn`` was made, as code.

    A default is evaluated where the function was defined (``lambda ctx, i=i: ...`` in
    a loop), so its source may name a local of that place: its value is what counts.
    """
    args: ast.arguments = node.args  # type: ignore[attr-defined]
    pairs: list[tuple[ast.expr, Any]] = list(
        zip(reversed(args.defaults), reversed(fn.__defaults__ or ()), strict=False)
    )
    kw_values = fn.__kwdefaults__ or {}
    for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        if default is not None and arg.arg in kw_values:
            pairs.append((default, kw_values[arg.arg]))
    found = []
    for default, value in pairs:
        code = value_code(value)
        if code.text.startswith(PLACEHOLDER):
            raise _Unprintable(
                f"{_describe(fn)}: its default {_short(repr(value))} has no code form"
            )
        found.append((default, code))
    return found


def _segment(lines: list[str], node: ast.AST, edits: list[tuple[ast.expr, str]]) -> str:
    """``node``'s source from the start of its first line, with ``edits`` applied."""

    def at(position: tuple[int, int]) -> tuple[int, int]:
        # AST columns count UTF-8 bytes; strings index characters.
        line, col = position
        return line, len(lines[line - 1].encode()[:col].decode(errors="replace"))

    (first, _), (last, end) = at(_start(node)), at(_end(node))
    start_col = at(_start(node))[1]
    chunk = [*lines[first - 1 : last]]
    chunk[-1] = chunk[-1][:end]
    # Indentation kept (for dedent), the code before the node on its first line blanked.
    chunk[0] = " " * start_col + chunk[0][start_col:]
    for default, text in sorted(edits, key=lambda e: _start(e[0]), reverse=True):
        (l1, c1), (l2, c2) = at(_start(default)), at(_end(default))
        head, tail = chunk[l1 - first][:c1], chunk[l2 - first][c2:]
        chunk[l1 - first : l2 - first + 1] = [head + text + tail]
    return "".join(chunk)


def _global_names(code: types.CodeType) -> set[str]:
    names = {i.argval for i in dis.get_instructions(code) if i.opname in _LOADS}
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _global_names(const)
    return {n for n in names if isinstance(n, str)}


def _bindings(fn: types.FunctionType, node: ast.AST, what: str) -> list[Code]:
    """What binds each name ``fn`` uses from outside: imports, or assignments."""
    found = []
    for name in sorted(_global_names(fn.__code__)):
        if name in fn.__globals__:
            found.append(_bind(name, fn.__globals__[name], fn, node, what, closure=False))
        # Otherwise a builtin, or a name the original could not find either.
    for name, cell in zip(fn.__code__.co_freevars, fn.__closure__ or (), strict=True):
        try:
            value = cell.cell_contents
        except ValueError:
            raise _Unprintable(f"{what}: it uses {name}, not yet assigned") from None
        found.append(_bind(name, value, fn, node, what, closure=True))
    return found


def _bind(
    name: str, value: Any, fn: types.FunctionType, node: ast.AST, what: str, *, closure: bool
) -> Code:
    if isinstance(value, types.ModuleType):
        return Code("", _module_imports(name, value, node))
    found = _import_path(value) if callable(value) else None
    if found is not None and "." not in found[1]:
        module, qualname = found
        if module == "builtins" and qualname == name:
            return Code("")
        alias = "" if qualname == name else f" as {name}"
        return Code("", frozenset({f"from {module} import {qualname}{alias}"}))
    home = sys.modules.get(fn.__module__ or "")
    if not closure and _resolve(home, name) is value:
        return Code("", frozenset({f"from {fn.__module__} import {name}"}))
    code = value_code(value)
    if code.text.startswith(PLACEHOLDER):
        raise _Unprintable(
            f"{what}: it uses {name} ({_short(repr(value), 60)}), which has no code form"
        )
    if code.text == name:
        return Code("", code.imports, code.defs)  # a function printed as its own def
    return Code("", code.imports, (*code.defs, (name, f"{name} = {code.text}")))


def _module_imports(name: str, module: types.ModuleType, node: ast.AST) -> frozenset[str]:
    real = module.__name__
    if real == name:
        lines = {f"import {name}"}
    elif real.rpartition(".")[2] == name:
        lines = {f"from {real.rpartition('.')[0]} import {name}"}
    else:
        lines = {f"import {real} as {name}"}
    # ``tests.test_media.refused()`` needs ``import tests.test_media``, not just ``tests``.
    for dotted in _attribute_chains(node, name):
        suffix = dotted.removeprefix(name)
        while suffix:
            if f"{real}{suffix}" in sys.modules:
                lines.add(f"import {real}{suffix}")
                break
            suffix = suffix.rpartition(".")[0]
    return frozenset(lines)


def _attribute_chains(node: ast.AST, root: str) -> set[str]:
    chains = set()
    for sub in ast.walk(node):
        parts: list[str] = []
        while isinstance(sub, ast.Attribute):
            parts.append(sub.attr)
            sub = sub.value
        if parts and isinstance(sub, ast.Name) and sub.id == root:
            chains.add(".".join([root, *reversed(parts)]))
    return chains


# ------------------------------------------------------------------ programs
def _binds(line: str) -> dict[str, str]:
    """The names an import line binds, each with what it binds it to."""
    if line.startswith("from "):
        module, _, names = line[5:].partition(" import ")
        out = {}
        for item in names.split(","):
            source, _, alias = item.strip().partition(" as ")
            out[alias or source] = f"{module}.{source}"
        return out
    target, _, alias = line[7:].partition(" as ")
    return {alias: target} if alias else {target.split(".")[0]: target.split(".")[0]}


class Program:
    """Statements and what they need, printed as one block of code to paste."""

    def __init__(self, imports: Iterable[str] = ()) -> None:
        self.imports: set[str] = set(imports)
        self.defs: dict[str, str] = {}
        self.lines: list[str] = []

    def _bound(self) -> dict[str, str]:
        bound = {name: f"def:{source}" for name, source in self.defs.items()}
        for line in self.imports:
            bound.update(_binds(line))
        return bound

    def add(self, code: Code, what: str) -> None:
        """Add ``code.text`` as a statement; a statement whose names clash becomes a placeholder."""
        bound = self._bound()
        wanted = {name: f"def:{source}" for name, source in code.defs}
        for line in code.imports:
            wanted.update(_binds(line))
        clashes = sorted(n for n, v in wanted.items() if bound.get(n, v) != v)
        if clashes:
            code = placeholder(
                f"{what}: it needs {', '.join(clashes)} to mean something other than in an "
                "earlier statement; write it by hand"
            )
        self.imports |= code.imports
        for name, source in code.defs:
            self.defs.setdefault(name, source)
        self.lines.append(code.text)

    def render(self) -> str:
        plain = {line for line in self.imports if line.startswith("import ")}
        # ``import a.b`` binds ``a`` too: drop a bare ``import a`` next to it.
        plain = {
            line
            for line in plain
            if " as " in line or not any(o.startswith(f"{line}.") for o in plain)
        }
        froms: dict[str, list[str]] = {}
        for line in self.imports - plain:
            if line.startswith("from "):
                module, _, names = line[5:].partition(" import ")
                froms.setdefault(module, []).extend(n.strip() for n in names.split(","))
        head = sorted(plain) + [
            f"from {module} import {', '.join(sorted(set(names)))}"
            for module, names in sorted(froms.items())
        ]
        blocks = ["\n".join(head)] if head else []
        if self.defs:
            blocks.append("\n\n".join(self.defs.values()))
        blocks.append("\n".join(self.lines))
        return "\n\n".join(blocks)
