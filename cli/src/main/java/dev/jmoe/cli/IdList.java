package dev.jmoe.cli;

/** Parses comma-separated integer lists given on the command line, with messages that name the option. */
final class IdList {

    private IdList() {}

    static int[] parse(String option, String text, int min) {
        if (text == null || text.isBlank()) throw new IllegalArgumentException(option + " is empty: give e.g. 1,2,3");
        String[] parts = text.split(",", -1);
        int[] out = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i].trim();
            try {
                out[i] = Integer.parseInt(p);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad " + option + ": '" + p + "' (item " + (i + 1)
                        + ") is not an integer; give comma-separated integers, e.g. 1,2,3");
            }
            if (out[i] < min) {
                throw new IllegalArgumentException("bad " + option + ": " + out[i] + " (item " + (i + 1)
                        + ") is below " + min);
            }
        }
        return out;
    }
}
