package dev.jmoe.cli;

import dev.jmoe.model.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code jmoe tokenize}: a GGUF's tokenizer on a text, with llama-tokenize's defaults. */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = {"Tokenize text as llama.cpp does, with a GGUF's tokenizer (vocabulary-only GGUFs work).",
                "Defaults as llama-tokenize: BOS when the vocabulary asks for it, special tokens such as <|im_start|> recognized.",
                "Prints the ids as a JSON array on one line, or with --pieces one 'id -> 'piece'' per line."})
public final class TokenizeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "FILE", description = "GGUF file")
    Path model;

    @ArgGroup(multiplicity = "1")
    Input input;

    static final class Input {
        @Parameters(paramLabel = "TEXT", description = "text to tokenize")
        String text;

        @Option(names = {"-f", "--file"}, paramLabel = "TEXTFILE", description = "read the text from a UTF-8 file")
        Path file;
    }

    @Option(names = "--no-bos", description = "do not add BOS/EOS even if the vocabulary asks for them")
    boolean noBos;

    @Option(names = "--no-parse-special", description = "treat special-token text as plain text")
    boolean noParseSpecial;

    @Option(names = "--pieces", description = "print each id with its piece")
    boolean pieces;

    @Override
    public Integer call() throws IOException {
        String text = input.text;
        if (input.file != null) {
            try {
                text = Files.readString(input.file, StandardCharsets.UTF_8);
            } catch (NoSuchFileException e) {
                throw new IllegalArgumentException("text file " + input.file + " does not exist");
            }
        }
        if (!Files.isRegularFile(model)) throw new IllegalArgumentException("model file " + model + " does not exist");
        Tokenizer tok = Tokenizer.open(model);
        int[] ids = tok.encode(text, !noBos, !noParseSpecial);
        PrintWriter out = spec.commandLine().getOut();
        if (pieces) {
            for (int id : ids) {
                String piece = new String(tok.tokenToPiece(id, true), StandardCharsets.UTF_8);
                out.printf("%6d -> '%s'%n", id, piece);
            }
        } else {
            StringBuilder sb = new StringBuilder("[");
            for (int i = 0; i < ids.length; i++) sb.append(i == 0 ? "" : ", ").append(ids[i]);
            out.println(sb.append(']'));
        }
        out.flush();
        return 0;
    }
}
