#!/usr/bin/env python3
"""Flash and RAM of the LimitNet encoder, read from the firmware's linker map and the
benchmark's QEMU output.

  memory_report.py <limitnet_bench_*.map> <qemu output> [--markdown]

Flash (per preset) = text + rodata + .data initialisers of the device runtime
(liblimitnet_device_*.a), the codec core (liblimitnet_codec.a) and that model's
blob (.rodata.model_<name>, '-' written as '_'). Not counted: the benchmark harness (limitnet_bench.c,
arena.cc, startup.c, the fw_models table), the golden test images (.testdata) and the
C library / compiler runtime (libc_nano, libgcc), which is shown on its own line: in a
product it is shared with the rest of the firmware.

RAM (per preset) = camera frame (the preset's frame bytes) + arena the model needs (as
the benchmark printed it: device state + activation rings) + the runtime's and codec's
own .data/.bss + the stack high-water mark measured by stack painting (whole program,
so an upper bound for the encoder).
"""
import re
import sys

OUT_SECTIONS = ('.text', '.ARM.exidx', '.testdata', '.data', '.bss', '.stack')


def classify(obj, section):
    if 'liblimitnet_device' in obj:
        return 'runtime'
    if 'liblimitnet_codec' in obj:
        return 'codec'
    if 'fw_assets.c' in obj:
        m = re.match(r'\.rodata\.model_(\w+)', section)
        if m:
            return 'model:' + m.group(1)
        if section.startswith('.testdata'):
            return 'testdata'
        return 'harness'
    if re.search(r'lib(c|c_nano|g|g_nano|gcc|m|nosys|stdc\+\+|stdc\+\+_nano|supc\+\+)\.a', obj):
        return 'clib'
    return 'harness'


def parse_map(path):
    sizes = {}  # (category, output section) -> bytes
    with open(path) as f:
        lines = f.read().split('\n')
    start = next(i for i, l in enumerate(lines) if l.startswith('Linker script and memory map'))
    out = None
    pending = None
    for line in lines[start:]:
        m = re.match(r'^(\.[\w.]+)\s', line) or re.match(r'^(\.[\w.]+)$', line)
        if m and m.group(1) in OUT_SECTIONS:
            out = m.group(1)
            continue
        if re.match(r'^\S', line):
            out = None if not line.startswith('.') else out
            continue
        m = re.match(r'^ (\S+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$', line)
        if m is None:
            m2 = re.match(r'^ (\.\S+)$', line)
            if m2:
                pending = m2.group(1)
                continue
            m3 = re.match(r'^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$', line)
            if m3 and pending:
                m = (pending, m3.group(1), m3.group(2), m3.group(3))
            else:
                pending = None
                continue
        else:
            m = m.groups()
        pending = None
        section, _, size, obj = m
        if out is None or section == '*fill*':
            continue
        size = int(size, 16)
        if size == 0:
            continue
        key = (classify(obj, section), out)
        sizes[key] = sizes.get(key, 0) + size
        member = re.search(r'liblimitnet_codec\.a\((\w+)\.cc\.o(bj)?\)', obj)
        if member:  # the codec per source file, e.g. the entropy coders
            key = ('codec:' + member.group(1), out)
            sizes[key] = sizes.get(key, 0) + size
    return sizes


def parse_run(path):
    run = {'presets': {}}
    with open(path) as f:
        for line in f:
            if line.startswith('MEM '):
                fields = dict(kv.split('=') for kv in line.split()[1:] if '=' in kv)
                parts = line.split()
                if '=' not in parts[1]:
                    run['presets'][parts[1]] = {k: int(v) for k, v in fields.items()}
                else:
                    run.update({k: int(v) for k, v in fields.items()})
            elif line.startswith('TARGET '):
                run['target'] = line.split(None, 1)[1].strip()
    return run


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    sizes = parse_map(sys.argv[1])
    run = parse_run(sys.argv[2])

    def get(cat, outs):
        return sum(sizes.get((cat, o), 0) for o in outs)

    flash_outs = ('.text', '.ARM.exidx', '.data')
    runtime = get('runtime', flash_outs)
    codec = get('codec', flash_outs)
    clib = get('clib', flash_outs)
    harness = get('harness', flash_outs)
    static_ram = get('runtime', ('.data', '.bss')) + get('codec', ('.data', '.bss'))
    print(f"target: {run.get('target', '?')}  map: {sys.argv[1]}")
    print(f"flash: runtime {runtime} B, codec {codec} B; excluded: harness {harness} B, "
          f"C library {clib} B, test images {get('testdata', ('.testdata',))} B")
    coders = [(name, get('codec:' + name, flash_outs)) for name in ('huffman', 'rans', 'range_coder')]
    print("codec entropy coders (all linked; the bundle picks one): " +
          ", ".join(f"{name}.cc {size} B" for name, size in coders))
    rows = []
    for preset, mem in run['presets'].items():
        # The blob's C name has '_' where the model name has '-' (cifar32-range).
        model = get('model:' + preset.replace('-', '_'), flash_outs)
        flash = runtime + codec + model
        ram = mem['frame'] + mem['arena_needed'] + static_ram + run.get('stack_peak', 0)
        rows.append((preset, flash, model, ram, mem))
        print(f"{preset}: FLASH {flash} B = {flash / 1024:.1f} KiB (model {model} B) | "
              f"RAM {ram} B = {ram / 1024:.1f} KiB (frame {mem['frame']} + arena {mem['arena_needed']} "
              f"+ static {static_ram} + stack {run.get('stack_peak', 0)})")
    return 0


if __name__ == '__main__':
    sys.exit(main())
