package dev.jmoe.cli;

import dev.jmoe.model.LanguageModel;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where {@code run} and {@code bench} get models and tokenizers. {@link Backends#DEFAULT} is the real one; tests put a
 * fake in the command's {@code backend} field.
 */
public interface Backend {

    /** Loads the model for one sequence; throws with a clear message when it cannot. */
    LanguageModel load(LoadRequest request);

    /** The file's tokenizer, or empty where none is available. */
    Optional<TextCodec> textCodec(Path file);

    /** End-of-generation ids when there is no tokenizer (from the file's metadata). */
    int[] endOfGeneration(Path file);
}
