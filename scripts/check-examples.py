#!/usr/bin/env python3
"""Checks that every Swift code example in README.md, in doc comments (/// ```swift) and in the DocC
articles (Sources/*/*.docc/*.md) is compiled.

How (docs/DESIGN.md, "Code examples"): each example is kept, line for line, in the compiled examples:
Tests/LogStoreExampleTests/ (built by `swift build --build-tests`, so by scripts/test.sh and CI), the
server's and decoders' test targets (their examples run as tests there) and Examples/ (small executables built with the package). This script extracts every ```swift block and
fails when one is not found there as a contiguous run of lines (compared with leading and trailing
blanks removed, blank lines ignored; its `import` lines anywhere in the same file), so an example
edited in one place and not the other fails CI.

Package.swift fragments (blocks made only of `.package(...)` and `.product(...)` lines, comments
allowed) cannot be compiled inside a target: they are put into a generated manifest of a collector
package beside a link to this repository named `logstore`, which `swift package dump-package` must
evaluate, and each `.product(name:package: "logstore")` must name a product of this package.

Exit status 0 when every example is accounted for, 1 otherwise (each missing one is listed).
"""
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The server's and decoders' examples are compiled (and run) beside their own tests, since the example
# target must not pull the server's dependencies into every example.
COMPILED_DIRS = ["Tests/LogStoreExampleTests", "Examples", "Tests/LogStoreProtocolsTests", "Tests/LogStoreServerTests"]


def blocks_in_markdown(path):
    out, current, start = [], None, 0
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            s = line.strip()
            if current is None and s == "```swift":
                current, start = [], n
            elif current is not None and s == "```":
                out.append((path, start, current))
                current = None
            elif current is not None:
                current.append(line.rstrip("\n"))
    return out


def blocks_in_doc_comments(path):
    out, current, start = [], None, 0
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            s = line.strip()
            if not s.startswith("///"):
                if current is not None:
                    out.append((path, start, current + ["<unterminated example>"]))
                    current = None
                continue
            text = s[3:]
            if text.startswith(" "):
                text = text[1:]
            if current is None and text.strip() == "```swift":
                current, start = [], n
            elif current is not None and text.strip() == "```":
                out.append((path, start, current))
                current = None
            elif current is not None:
                current.append(text)
    return out


def normalized(lines):
    return [l.strip() for l in lines if l.strip()]


def is_manifest_fragment(lines):
    code = [l for l in normalized(lines) if not l.startswith("//")]
    return bool(code) and all(l.startswith(".package(") or l.startswith(".product(") for l in code)


def contains_run(haystack, needle):
    if not needle:
        return True
    first = needle[0]
    for i, l in enumerate(haystack):
        if l == first and haystack[i:i + len(needle)] == needle:
            return True
    return False


def compiled_sources():
    files = []
    for d in COMPILED_DIRS:
        for dirpath, _, names in os.walk(os.path.join(ROOT, d)):
            for name in sorted(names):
                if name.endswith(".swift"):
                    with open(os.path.join(dirpath, name), encoding="utf-8") as f:
                        files.append(normalized(f.read().split("\n")))
    return files


def check_manifest(fragments):
    """Evaluates the fragments in a generated collector manifest; returns a list of problems."""
    problems = []
    with open(os.path.join(ROOT, "Package.swift"), encoding="utf-8") as f:
        products = set(re.findall(r'\.(?:library|executable)\(name:\s*"([^"]+)"', f.read()))
    dependencies, target_dependencies = [], []
    for path, line, lines in fragments:
        for l in normalized(lines):
            if l.startswith(".package("):
                dependencies.append(l)
            elif l.startswith(".product("):
                target_dependencies.append(l)
                m = re.search(r'name:\s*"([^"]+)",\s*package:\s*"logstore"', l)
                if m and m.group(1) not in products:
                    problems.append(f"{os.path.relpath(path, ROOT)}:{line}: product {m.group(1)} is not in Package.swift")
    if not dependencies:
        return problems
    with tempfile.TemporaryDirectory() as tmp:
        os.symlink(ROOT, os.path.join(tmp, "logstore"))
        collector = os.path.join(tmp, "collector")
        os.makedirs(os.path.join(collector, "Sources", "collector"))
        with open(os.path.join(collector, "Sources", "collector", "main.swift"), "w") as f:
            f.write("print(\"collector\")\n")
        with open(os.path.join(collector, "Package.swift"), "w") as f:
            f.write("// swift-tools-version: 6.0\nimport PackageDescription\n\nlet package = Package(\n"
                    "    name: \"collector\",\n    dependencies: [\n        "
                    + "\n        ".join(dependencies)
                    + "\n    ],\n    targets: [\n        .executableTarget(name: \"collector\", dependencies: [\n            "
                    + "\n            ".join(target_dependencies)
                    + "\n        ]),\n    ]\n)\n")
        r = subprocess.run(["swift", "package", "--package-path", collector, "dump-package"],
                           capture_output=True, text=True)
        if r.returncode != 0:
            problems.append("the README's Package.swift fragments do not make a valid manifest:\n"
                            + (r.stderr or r.stdout).strip())
    return problems


def main():
    blocks = blocks_in_markdown(os.path.join(ROOT, "README.md"))
    for dirpath, _, names in os.walk(os.path.join(ROOT, "Sources")):
        for name in sorted(names):
            if name.endswith(".swift"):
                blocks += blocks_in_doc_comments(os.path.join(dirpath, name))
            elif name.endswith(".md") and dirpath.endswith(".docc"):
                # DocC articles (Sources/*/*.docc): their examples are compiled like the README's.
                blocks += blocks_in_markdown(os.path.join(dirpath, name))
    compiled = compiled_sources()
    missing, manifest = [], []
    for path, line, lines in blocks:
        if is_manifest_fragment(lines):
            manifest.append((path, line, lines))
            continue
        # A file of a test target cannot start with top-level code, so an example's `import` lines
        # need only be somewhere in the file that holds the rest of it.
        imports = [l for l in normalized(lines) if l.startswith("import ")]
        needle = [l for l in normalized(lines) if not l.startswith("import ")]
        if not any(contains_run(f, needle) and all(i in f for i in imports) for f in compiled):
            missing.append(f"{os.path.relpath(path, ROOT)}:{line}: example not found in the compiled examples "
                           f"({', '.join(COMPILED_DIRS)}); first line: {needle[0] if needle else '(empty)'}")
    problems = missing + check_manifest(manifest)
    for p in problems:
        print("check-examples: " + p, file=sys.stderr)
    print(f"check-examples: {len(blocks)} examples ({len(manifest)} Package.swift fragments), "
          f"{len(problems)} problem{'s' if len(problems) != 1 else ''}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
