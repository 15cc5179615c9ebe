#!/usr/bin/env python3
"""Transcribes the IQ lattice/codebook tables from llama.cpp's ggml/src/ggml-common.h into jmoe's resource
iq-tables.txt (data only: name, element type, count, then the values exactly as the header spells them).

usage: extract_iq_tables.py path/to/ggml-common.h source-description > iq-tables.txt
"""
import re, sys

NAMES = ["kmask_iq2xs", "ksigns_iq2xs", "iq2xxs_grid", "iq2xs_grid", "iq2s_grid", "iq3xxs_grid", "iq3s_grid",
         "kvalues_iq4nl", "kvalues_fp4", "iq1s_grid"]

text = open(sys.argv[1]).read()
print("# IQ lattice / codebook tables transcribed from ggml/src/ggml-common.h of llama.cpp")
print("# source: " + sys.argv[2])
print("# format: 'table <name> <c type> <count>' then the values as the header writes them (hex or decimal)")
for name in NAMES:
    m = re.search(r"GGML_TABLE_BEGIN\((\w+), " + name + r", (\w+)\)(.*?)GGML_TABLE_END\(\)", text, re.S)
    ctype, size, body = m.group(1), m.group(2), m.group(3)
    values = re.findall(r"-?0x[0-9a-fA-F]+|-?\d+", body)
    size = {"NGRID_IQ1S": "2048"}.get(size, size)
    assert len(values) == int(size), (name, len(values), size)
    print(f"table {name} {ctype} {size}")
    for i in range(0, len(values), 8):
        print(" ".join(values[i:i + 8]))
