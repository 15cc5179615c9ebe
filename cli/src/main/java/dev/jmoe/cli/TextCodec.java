package dev.jmoe.cli;

import dev.jmoe.model.generate.Detokenizer;
import dev.jmoe.model.generate.PromptTokenizer;

/**
 * A model's tokenizer as the commands need it: prompt text to ids, ids to bytes, and the end-of-generation ids.
 */
public record TextCodec(PromptTokenizer tokenizer, Detokenizer detokenizer, int[] endOfGenerationIds) {}
