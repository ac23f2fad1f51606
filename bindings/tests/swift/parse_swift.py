"""Syntax check of Swift files with tree-sitter-swift (no Swift compiler runs on Linux CI here).

Usage: parse_swift.py PATH... (files or folders, searched for *.swift). Two constructs in uniffi's
output that the grammar wrongly reports are blanked out first (the grammar lags the language):
`@_documentation(visibility: private)` and `let writeReturn = { () }`.
Prints one line per file and `N passed, N failed` last; exits non-zero on any syntax error.
"""

import pathlib
import re
import sys

import tree_sitter
import tree_sitter_swift

KNOWN_FALSE_POSITIVES = [
    re.compile(r"@_documentation\(visibility:\s*private\)"),
    re.compile(r"let writeReturn = \{ \(\) \}"),
]


def blank(match):
    # Same length, so reported positions stay right.
    return " " * len(match.group(0))


def errors(tree):
    out = []
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            row, col = node.start_point
            out.append(f"{row + 1}:{col + 1} {'missing ' + node.type if node.is_missing else 'unexpected'}")
        elif node.has_error:
            stack.extend(node.children)
    return sorted(out, key=lambda s: tuple(int(x) for x in s.split()[0].split(":")))


def main(paths):
    parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_swift.language()))
    files = []
    for p in map(pathlib.Path, paths):
        files.extend(sorted(p.rglob("*.swift")) if p.is_dir() else [p])
    passed = failed = 0
    for f in files:
        text = f.read_text(encoding="utf-8")
        for pattern in KNOWN_FALSE_POSITIVES:
            text = pattern.sub(blank, text)
        found = errors(parser.parse(text.encode("utf-8")))
        if found:
            failed += 1
            print(f"FAIL {f}: " + "; ".join(found[:5]))
        else:
            passed += 1
            print(f"ok   {f}")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
