package dev.jmoe.model;

import dev.jmoe.gguf.GgufFile;
import dev.jmoe.gguf.TensorInfo;
import dev.jmoe.tensor.Codecs;
import dev.jmoe.tensor.Matrix;
import java.util.Arrays;
import java.util.Optional;

/** Binds GGUF tensors by name and checks their shapes; every error names the tensor. */
final class Tensors {
    private final GgufFile file;
    private final Packer packer;

    /**
     * {@code packer}: gives weight matrices a packed copy (null = none) and marks finite F16 ones; the token embedding is
     * only marked (it is looked up, and read whole only as a tied output head).
     */
    Tensors(GgufFile file, Packer packer) {
        this.file = file;
        this.packer = packer;
    }

    GgufFile file() {
        return file;
    }

    boolean has(String name) {
        return file.findTensor(name).isPresent();
    }

    TensorInfo info(String name) {
        return file.findTensor(name).orElseThrow(() -> new ModelFormatException(
                "tensor " + name + " is missing from " + file.path().getFileName() + " (architecture " + file.metadata().getString("general.architecture", "?") + ")"));
    }

    /** A weight matrix {@code {cols, rows[, n]}} (3-D tensors are seen as rows*n rows); dims checked when given (-1 = any). */
    Matrix matrix(String name, long... dims) {
        TensorInfo t = info(name);
        checkDims(t, dims);
        try {
            Matrix m = Matrix.of(file, t);
            return packer != null ? packer.apply(m, !name.equals("token_embd.weight")) : m;
        } catch (Codecs.UnsupportedTypeException e) {
            throw new ModelFormatException(e.getMessage(), e);
        }
    }

    Optional<Matrix> optionalMatrix(String name, long... dims) {
        return has(name) ? Optional.of(matrix(name, dims)) : Optional.empty();
    }

    /** A small tensor (norm weight, bias) as floats, dequantized. */
    float[] vector(String name, long length) {
        Matrix m = matrix(name);
        float[] v = m.toFloats();
        if (length >= 0 && v.length != length) {
            throw new ModelFormatException("tensor " + name + " has " + v.length + " values, expected " + length);
        }
        return v;
    }

    float[] optionalVector(String name, long length) {
        return has(name) ? vector(name, length) : null;
    }

    private static void checkDims(TensorInfo t, long[] dims) {
        if (dims.length == 0) return;
        boolean ok = t.nDims() <= dims.length;
        for (int i = 0; ok && i < dims.length; i++) ok = dims[i] < 0 || t.dim(i) == dims[i];
        if (!ok) {
            throw new ModelFormatException("tensor " + t.name() + " has shape " + t.shape() + ", expected " + Arrays.toString(dims).replace('[', '{').replace(']', '}'));
        }
    }
}
