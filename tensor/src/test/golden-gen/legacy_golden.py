#!/usr/bin/env python3
"""Freezes llama.cpp's quantizer output for the legacy types into tensor test resources (run once, by hand).

Uses libggml-base.so as shipped by npm @node-llama-cpp/linux-x64@3.21.1 (llama.cpp release "v0.4.0" per its build
metadata): ggml_quantize_chunk (no importance matrix) and each type's to_float. The tests never run llama.cpp.

  python3 legacy_golden.py /tmp/llamacpp/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64 OUTDIR

Writes OUTDIR/input.f32 (ROWS x N little-endian float32: seeded Gaussian rows, then crafted rows: zeros, one
non-zero value, constant blocks, exact .5 ties of the rounding, huge and tiny magnitudes), and per type
OUTDIR/<type>.bin (the quantized rows) and OUTDIR/<type>.deq.f32 (llama.cpp's dequantization of them).
"""
import ctypes, sys, os
import numpy as np

lib_dir, out = sys.argv[1], sys.argv[2]
ggml = ctypes.CDLL(os.path.join(lib_dir, "libggml-base.so"))
ggml.ggml_quantize_chunk.restype = ctypes.c_size_t
ggml.ggml_quantize_chunk.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64, ctypes.c_int64, ctypes.c_int64, ctypes.c_void_p]
ggml.ggml_row_size.restype = ctypes.c_size_t
ggml.ggml_row_size.argtypes = [ctypes.c_int, ctypes.c_int64]

class Traits(ctypes.Structure):
    _fields_ = [("type_name", ctypes.c_char_p), ("blck_size", ctypes.c_int64), ("blck_size_interleave", ctypes.c_int64),
                ("type_size", ctypes.c_size_t), ("is_quantized", ctypes.c_bool), ("to_float", ctypes.c_void_p),
                ("from_float_ref", ctypes.c_void_p)]
ggml.ggml_get_type_traits.restype = ctypes.POINTER(Traits)
ggml.ggml_get_type_traits.argtypes = [ctypes.c_int]
TO_FLOAT = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64)

N = 256
rng = np.random.default_rng(20261128)
rows = [rng.standard_normal(N).astype(np.float32) * s for s in (1.0, 0.02, 30.0)]
rows.append(rng.standard_normal(N).astype(np.float32) + 3)          # all-positive blocks (Q4_1/Q5_1 min > 0)
crafted = np.zeros(N, np.float32)                                    # block 0: zeros
crafted[32 + 5] = 1.0                                                # block 1: one non-zero value
crafted[64 + 7] = -2.5                                               # block 2: one negative value
crafted[96:128] = 0.75                                               # block 3: constant
crafted[128:160] = np.arange(-16, 16, dtype=np.float32) / 8          # block 4: exact multiples of d -> .5 ties
crafted[160:192] = (np.arange(32, dtype=np.float32) - 15.5) / 31     # block 5: ties for the 5-bit types
crafted[192:224] = rng.standard_normal(32).astype(np.float32) * 6e4  # block 6: near fp16 max
crafted[224:256] = rng.standard_normal(32).astype(np.float32) * 1e-6 # block 7: fp16-subnormal scales
rows.append(crafted)
ties = np.zeros(N, np.float32)
for b in range(8):                                                   # blocks of small integers, max sign flips
    v = rng.integers(-8, 8, 32).astype(np.float32) * (0.25 * (b + 1))
    v[b] = (8 if b % 2 else -8) * 0.25 * (b + 1)
    ties[b * 32:(b + 1) * 32] = v
rows.append(ties)
x = np.ascontiguousarray(np.stack(rows).astype(np.float32))
os.makedirs(out, exist_ok=True)
x.tofile(os.path.join(out, "input.f32"))

for name, t in [("q4_0", 2), ("q4_1", 3), ("q5_0", 6), ("q5_1", 7), ("q8_0", 8), ("iq4_nl", 20), ("f16", 1), ("bf16", 30)]:
    rs = ggml.ggml_row_size(t, N)
    buf = ctypes.create_string_buffer(rs * len(x))
    n = ggml.ggml_quantize_chunk(t, x.ctypes.data, buf, 0, len(x), N, None)
    assert n == rs * len(x), (name, n)
    open(os.path.join(out, name + ".bin"), "wb").write(buf.raw)
    deq = np.zeros(x.size, np.float32)
    TO_FLOAT(ggml.ggml_get_type_traits(t).contents.to_float)(buf, deq.ctypes.data, x.size)
    deq.tofile(os.path.join(out, name + ".deq.f32"))
    print(name, n, "bytes")
