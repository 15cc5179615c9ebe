package dev.jmoe.model;

/**
 * What a loaded model is, for reports: architecture id, a short description, parameter count and the bytes of weights
 * one token reads (all dense weights + the routed experts it selects on average), which bounds decode speed.
 *
 * @param architecture   {@code general.architecture}, e.g. {@code deepseek2}
 * @param name           {@code general.name} or the file name
 * @param quant          dominant weight type, e.g. {@code Q4_K_M} or {@code Q8_0}
 * @param parameters     total parameters
 * @param fileBytes      tensor bytes in the file
 * @param activeBytesPerToken weight bytes a single decoded token reads
 */
public record ModelInfo(String architecture, String name, String quant, long parameters, long fileBytes,
                        long activeBytesPerToken) {}
