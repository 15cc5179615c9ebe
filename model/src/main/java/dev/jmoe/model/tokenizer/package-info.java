/**
 * Tokenizers and chat templates read from GGUF metadata, behaving as llama.cpp's.
 * <ul>
 *   <li>{@link dev.jmoe.model.tokenizer.Tokenizer}: {@code Tokenizer.open(path)} or {@code fromMetadata(md)};
 *       {@code encode(text, addSpecial, parseSpecial)}, {@code decode(ids)}, {@code tokenToPiece(id, special)},
 *       {@code streamingDecoder(special)}, {@code bosId()/eosId()/eotId()}, {@code eosIds()/isEog(id)}.</li>
 *   <li>{@link dev.jmoe.model.tokenizer.ChatTemplate}: {@code forModel(md, tok)}, {@code resolve(nameOrFile, tok)},
 *       {@code builtin(name, bos, eos)}; {@code render(messages, addGenerationPrompt)} and
 *       {@code renderPrompt(messages, addGenerationPrompt, tok)} (the text to encode with specials).</li>
 * </ul>
 * Implemented: {@code tokenizer.ggml.model} "llama" (SentencePiece BPE with byte fallback) and "gpt2" (byte-level BPE
 * with the pre-tokenizers of {@code PreType}); not: WordPiece (bert), Unigram (t5), RWKV, PLaMo-2, Gemma-4.
 */
package dev.jmoe.model.tokenizer;
