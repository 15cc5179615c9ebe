package dev.jmoe.plan;

import java.util.Map;

/**
 * Predicted speed for one batch size: aggregate tok/s over the batch, the step time broken into named parts (ms),
 * and the part that dominates.
 */
public record Prediction(int batch, double tokensPerSecond, double stepMs, Map<String, Double> partsMs, String bottleneck) {
    public double perSequence() {
        return tokensPerSecond / batch;
    }
}
