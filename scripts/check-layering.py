#!/usr/bin/env python3
"""Checks that the folders under src/ include each other without a cycle.

Each folder (src/codec, src/server, ...) is a node; `#include "a/x.h"` in src/b/ makes an
edge b -> a. Sub-folders count as their top folder, except src/codec/dec and
src/codec/host, which are the receiver side of the codec and may not be included by the
freestanding core (src/codec itself). Prints the graph with --graph; exits 1 naming every
cycle (and every include of a host header from the codec core), 0 otherwise.
"""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
HOST_ONLY = ("codec/dec/", "codec/host/")


def node_of(path):
    """'codec/enc/x.h' -> 'codec'; 'codec/dec/x.h' -> 'codec/dec'."""
    for prefix in HOST_ONLY:
        if path.startswith(prefix):
            return prefix.rstrip("/")
    return path.split("/", 1)[0]


def folder_graph(src):
    graph, problems = {}, []
    for root, _, files in os.walk(src):
        for name in files:
            if not name.endswith((".h", ".cc", ".c")):
                continue
            path = os.path.join(root, name)
            rel = os.path.relpath(path, src).replace(os.sep, "/")
            here = node_of(rel)
            with open(path, encoding="utf-8", errors="replace") as f:
                for target in INCLUDE.findall(f.read()):
                    if "/" not in target or not os.path.exists(os.path.join(src, target)):
                        continue  # same-folder or system-style include
                    there = node_of(target)
                    if there == here:
                        continue
                    graph.setdefault(here, set()).add(there)
                    if here == "codec" and there in ("codec/dec", "codec/host"):
                        problems.append(f"{rel} includes host-only {target}")
    return graph, problems


def cycles(graph):
    """Every strongly connected component with more than one folder (Tarjan)."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def main():
    src = sys.argv[1] if len(sys.argv) > 1 and not sys.argv[1].startswith("-") else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "src")
    graph, problems = folder_graph(src)
    if "--graph" in sys.argv:
        for v in sorted(graph):
            print(f"{v} -> {', '.join(sorted(graph[v]))}")
    found = cycles(graph)
    for component in found:
        problems.append("include cycle between folders: " + " <-> ".join(component))
    for p in problems:
        print("check-layering: " + p, file=sys.stderr)
    if not problems:
        print(f"check-layering: {len(graph)} folders under src/, no include cycle")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
