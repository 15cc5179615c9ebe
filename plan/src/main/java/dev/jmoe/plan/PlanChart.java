package dev.jmoe.plan;

import dev.jmoe.plan.Placement.Tier;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** {@code --chart FILE.png}: stacked memory bars per tier (with capacity) beside decode tok/s against batch size. */
public final class PlanChart {
    private PlanChart() {}

    public static void write(PlanResult p, Path png) throws IOException {
        System.setProperty("java.awt.headless", "true");
        DefaultCategoryDataset mem = new DefaultCategoryDataset();
        for (Tier t : Tier.values()) {
            Placement pl = p.placement();
            if (pl.used(t) == 0 && (pl.capacity(t) == 0 || t == Tier.DISK)) continue;
            String tier = t.name();
            mem.addValue(pl.weightBytes(t) / 1e9, "weights", tier);
            mem.addValue(pl.kv(t) / 1e9, "KV cache", tier);
            mem.addValue((pl.scratch(t) + pl.overhead(t)) / 1e9, "scratch + runtime", tier);
            mem.addValue(t == Tier.DISK ? 0 : Math.max(0, pl.capacity(t) - pl.used(t)) / 1e9, "free", tier);
        }
        JFreeChart memChart = ChartFactory.createStackedBarChart("Memory per tier (GB)", "tier", "GB", mem,
                PlotOrientation.VERTICAL, true, false, false);
        memChart.getCategoryPlot().getRenderer().setSeriesPaint(3, new Color(220, 220, 220));

        XYSeries s = new XYSeries("decode tok/s");
        for (Prediction d : p.decode()) s.add(d.batch(), d.tokensPerSecond());
        JFreeChart speed = ChartFactory.createXYLineChart(
                String.format(Locale.ROOT, "Decode tok/s vs batch (%s %s)", p.request().model().name(), p.request().model().quant()),
                "batch size", "tok/s (all sequences)", new XYSeriesCollection(s), PlotOrientation.VERTICAL, true, false, false);

        int w = 1400, h = 600;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        memChart.draw(g, new java.awt.geom.Rectangle2D.Double(0, 0, w / 2.0, h));
        speed.draw(g, new java.awt.geom.Rectangle2D.Double(w / 2.0, 0, w / 2.0, h));
        g.dispose();
        ImageIO.write(img, "png", png.toFile());
    }
}
