package dev.jmoe.gguf;

import java.nio.file.Path;

/**
 * The one exception a malformed GGUF produces: the message names the field and the byte offset where reading
 * failed, e.g. {@code metadata[12] key: string length 4294967296 runs past end of file (file size 5120) (offset 1034)}.
 */
public class GgufFormatException extends RuntimeException {
    private final String field;
    private final long offset;
    private final String problem;

    public GgufFormatException(String field, long offset, String problem) {
        this(field, offset, problem, (Path) null);
    }

    public GgufFormatException(String field, long offset, String problem, Throwable cause) {
        this(field, offset, problem, (Path) null);
        initCause(cause);
    }

    private GgufFormatException(String field, long offset, String problem, Path file) {
        super(field + ": " + problem + " (offset " + offset + ")" + (file == null ? "" : " in " + file));
        this.field = field;
        this.offset = offset;
        this.problem = problem;
    }

    /** The same error, naming the file it came from. */
    public GgufFormatException inFile(Path file) {
        GgufFormatException e = new GgufFormatException(field, offset, problem, file);
        e.setStackTrace(getStackTrace());
        return e;
    }

    /** The field being read, e.g. {@code tensor[3] "blk.0.attn_norm.weight" dims[1]}. */
    public String field() {
        return field;
    }

    /** Byte offset in the file where the field starts (or the bad value lies). */
    public long offset() {
        return offset;
    }
}
