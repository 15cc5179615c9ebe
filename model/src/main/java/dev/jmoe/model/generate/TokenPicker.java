package dev.jmoe.model.generate;

/** The last step of a chain: chooses one token id among the remaining candidates. */
public interface TokenPicker {

    int pick(Candidates candidates);

    default void reset() {}
}
