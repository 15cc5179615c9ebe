package dev.jmoe.model.generate;

/**
 * The outcome of one {@link Generator#generate} call.
 *
 * @param promptIds    the prompt as fed to the model
 * @param generatedIds every generated id, including a final end-of-generation id
 * @param text         the generated text (without a stop string), or null without a detokenizer
 */
public record Generation(int[] promptIds, int[] generatedIds, String text, StopReason stopReason,
                         GenerationStats stats) {

    public Generation withStats(GenerationStats s) {
        return new Generation(promptIds, generatedIds, text, stopReason, s);
    }
}
