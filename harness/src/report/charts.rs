//! The latency and rate charts, drawn with plotters' SVG backend (text is written as SVG
//! `<text>`, so no font files are read): ticks on both axes, latency on a log scale, fault
//! periods as bands, series coloured by op and marked by outcome as Jepsen's perf checker
//! draws them (jepsen/checker/perf.clj).

use std::collections::BTreeMap;
use std::error::Error;

use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::faults::FaultPeriod;
use super::ops::{run_end_ns, spans};
use super::{escape, fault_rgb, seconds, PALETTE};
use crate::checker::quantile::quantile;
use crate::history::{Op, OpType};

const SIZE_PX: (u32, u32) = (900, 420);
/// Height of each op's panel in the quantile chart.
const PANEL_PX: u32 = 260;
/// Lowest latency the log axis shows: the sim executor completes client ops in zero time,
/// and zero has no place on a log scale, so such ops sit on this floor.
const LATENCY_FLOOR_MS: f64 = 0.01;
/// Time buckets of the quantile and rate charts over a run: coarse enough that each holds a
/// few ops at Maelstrom's default rate, fine enough to show a fault's effect.
const BUCKETS: f64 = 60.0;
/// The quantiles drawn, as Jepsen's latency-quantiles plot picks them.
const QUANTILES: [f64; 4] = [0.5, 0.95, 0.99, 1.0];
const OUTCOMES: [OpType; 3] = [OpType::Ok, OpType::Info, OpType::Fail];

type Chart<'a, 'b, Y> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, Y>>;
type Drawn = Result<(), Box<dyn Error>>;

/// Latency of every completed client op against its invocation time.
pub fn latency_raw(history: &[Op], faults: &[FaultPeriod]) -> String {
    let spans = spans(history);
    let points: Vec<(&str, OpType, f64, f64)> = spans
        .iter()
        .filter_map(|s| s.latency_ms().map(|ms| (s.invoke.f.as_str(), s.outcome(), seconds(s.invoke.time_ns), ms)))
        .collect();
    let fs = distinct(points.iter().map(|p| p.0));
    let x_max = seconds(run_end_ns(history)).max(1.0);
    let (lo, hi) = log_bounds(points.iter().map(|p| p.3));
    render(SIZE_PX, |root| {
        let mut chart =
            frame(&root, "Latency of client ops", "latency (ms)", x_max, (lo..hi).log_scale(), &log_tick_label)?;
        fault_bands(&mut chart, faults, lo, hi)?;
        for (i, f) in fs.iter().enumerate() {
            for outcome in OUTCOMES {
                let series: Vec<(f64, f64)> =
                    points.iter().filter(|p| p.0 == *f && p.1 == outcome).map(|p| (p.2, p.3.max(lo))).collect();
                if !series.is_empty() {
                    markers(&mut chart, &series, colour(i), outcome, &format!("{f} {}", outcome_name(outcome)))?;
                }
            }
        }
        legend(&mut chart)
    })
}

/// Latency quantiles in time buckets, one panel per op.
pub fn latency_quantiles(history: &[Op], faults: &[FaultPeriod]) -> String {
    let spans = spans(history);
    let x_max = seconds(run_end_ns(history)).max(1.0);
    let bucket_s = bucket_s(x_max);
    let mut by_f: BTreeMap<&str, BTreeMap<u64, Vec<f64>>> = BTreeMap::new();
    for s in &spans {
        if let Some(ms) = s.latency_ms() {
            let bucket = (seconds(s.invoke.time_ns) / bucket_s) as u64;
            by_f.entry(s.invoke.f.as_str()).or_default().entry(bucket).or_default().push(ms);
        }
    }
    let (lo, hi) = log_bounds(by_f.values().flat_map(|b| b.values().flatten().copied()));
    let panels = by_f.len().max(1) as u32;
    render((SIZE_PX.0, PANEL_PX * panels + 40), |root| {
        let (title, body) = root.split_vertically(40);
        title.titled("Latency quantiles of client ops", ("sans-serif", 18))?;
        let areas = body.split_evenly((panels as usize, 1));
        for ((f, buckets), area) in by_f.iter().zip(areas) {
            let mut chart = frame(&area, f, "latency (ms)", x_max, (lo..hi).log_scale(), &log_tick_label)?;
            fault_bands(&mut chart, faults, lo, hi)?;
            for (qi, &q) in QUANTILES.iter().enumerate() {
                let c = colour(qi);
                for (run, line) in quantile_runs(buckets, q, bucket_s, lo).into_iter().enumerate() {
                    let drawn = chart.draw_series(LineSeries::new(line, c.stroke_width(2)).point_size(2))?;
                    if run == 0 {
                        drawn
                            .label(format!("{q}"))
                            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(2)));
                    }
                }
            }
            legend(&mut chart)?;
        }
        Ok(())
    })
}

/// Quantile `q` of each bucket's latencies, as lines broken where a bucket has no ops, so a
/// quiet stretch is not drawn as a trend.
fn quantile_runs(buckets: &BTreeMap<u64, Vec<f64>>, q: f64, bucket_s: f64, lo: f64) -> Vec<Vec<(f64, f64)>> {
    let mut runs: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut previous: Option<u64> = None;
    for (&b, latencies) in buckets {
        let mut sorted = latencies.clone();
        sorted.sort_by(f64::total_cmp);
        let Some(v) = quantile(&sorted, q) else { continue };
        if previous.is_none_or(|p| p + 1 != b) {
            runs.push(Vec::new());
        }
        if let Some(run) = runs.last_mut() {
            run.push(((b as f64 + 0.5) * bucket_s, v.max(lo)));
        }
        previous = Some(b);
    }
    runs
}

/// Client ops completed per second, by op and outcome.
pub fn rate(history: &[Op], faults: &[FaultPeriod]) -> String {
    let spans = spans(history);
    let x_max = seconds(run_end_ns(history)).max(1.0);
    let bucket_s = bucket_s(x_max);
    let mut counts: BTreeMap<(&str, u8), BTreeMap<u64, f64>> = BTreeMap::new();
    for s in spans.iter().filter(|s| s.completion.is_some()) {
        let bucket = (seconds(s.end_ns(0)) / bucket_s) as u64;
        let outcome = OUTCOMES.iter().position(|&o| o == s.outcome()).unwrap_or(1) as u8;
        *counts.entry((s.invoke.f.as_str(), outcome)).or_default().entry(bucket).or_default() += 1.0 / bucket_s;
    }
    let fs = distinct(counts.keys().map(|k| k.0));
    let y_max = counts.values().flat_map(|b| b.values().copied()).fold(1.0, f64::max) * 1.1;
    render(SIZE_PX, |root| {
        let mut chart = frame(&root, "Throughput of client ops", "ops/s", x_max, 0.0..y_max, &linear_tick_label)?;
        fault_bands(&mut chart, faults, 0.0, y_max)?;
        for ((f, outcome), buckets) in &counts {
            let c = colour(fs.iter().position(|g| g == f).unwrap_or(0));
            let line: Vec<(f64, f64)> = (0..=(x_max / bucket_s) as u64)
                .map(|b| ((b as f64 + 0.5) * bucket_s, buckets.get(&b).copied().unwrap_or(0.0)))
                .collect();
            let outcome = OUTCOMES[*outcome as usize];
            let label = format!("{f} {}", outcome_name(outcome));
            rate_line(&mut chart, line, c, outcome, label)?;
        }
        legend(&mut chart)
    })
}

/// Server messages (node↔node, node↔service) sent in each second of the run.
pub fn net_rate(server_sends_per_s: &[u64], faults: &[FaultPeriod]) -> String {
    let x_max = (server_sends_per_s.len() as f64).max(1.0);
    let y_max = server_sends_per_s.iter().copied().max().unwrap_or(0).max(1) as f64 * 1.1;
    render(SIZE_PX, |root| {
        let mut chart =
            frame(&root, "Server messages sent per second", "messages/s", x_max, 0.0..y_max, &linear_tick_label)?;
        fault_bands(&mut chart, faults, 0.0, y_max)?;
        let line = server_sends_per_s.iter().enumerate().map(|(s, &n)| (s as f64 + 0.5, n as f64));
        chart.draw_series(LineSeries::new(line, colour(0).stroke_width(2)))?;
        Ok(())
    })
}

/// A chart titled `title` over `area`, time in seconds across and `y` up, with its mesh
/// and axis ticks drawn.
fn frame<'a, 'b, Y: AsRangedCoord<Value = f64>>(
    area: &'a DrawingArea<SVGBackend<'b>, Shift>,
    title: &str,
    y_desc: &str,
    x_max: f64,
    y: Y,
    y_label: &dyn Fn(&f64) -> String,
) -> Result<Chart<'a, 'b, Y::CoordDescType>, Box<dyn Error>>
where
    Y::CoordDescType: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(0.0..x_max, y)?;
    // A log axis gets a light line per unit of each decade; drawn, they merge into a grey band.
    chart
        .configure_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(BLACK.mix(0.12))
        .y_label_formatter(y_label)
        .x_desc("time (s)")
        .y_desc(y_desc)
        .draw()?;
    Ok(chart)
}

/// A y tick's label: on a log axis only the 1, 2 and 5 of each decade are named, so the
/// labels near a decade's top do not pile up.
fn log_tick_label(v: &f64) -> String {
    let mantissa = v / 10f64.powf(v.abs().log10().floor());
    let round = [1.0, 2.0, 5.0, 10.0].iter().any(|m| (mantissa - m).abs() < 1e-6);
    if !round && *v > 0.0 && (mantissa - mantissa.round()).abs() < 1e-6 {
        return String::new();
    }
    format!("{v}")
}

/// A linear y tick's label, rounded so float steps do not print as `0.30000000000000004`.
fn linear_tick_label(v: &f64) -> String {
    format!("{}", (v * 100.0).round() / 100.0)
}

/// Draws into a fresh SVG; a drawing error becomes an SVG that states it, so a bad chart
/// never costs the rest of the report.
fn render(size: (u32, u32), draw: impl FnOnce(DrawingArea<SVGBackend<'_>, Shift>) -> Drawn) -> String {
    let mut svg = String::new();
    let drawn = {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(Box::<dyn Error>::from).and_then(|()| draw(root.clone())).and_then(|()| {
            root.present()?;
            Ok(())
        })
    };
    match drawn {
        Ok(()) => svg,
        Err(err) => format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="600" height="40"><text x="8" y="24">chart not drawn: {}</text></svg>"#,
            escape(&err.to_string())
        ),
    }
}

fn colour(i: usize) -> RGBColor {
    let (r, g, b) = PALETTE[i % PALETTE.len()];
    RGBColor(r, g, b)
}

fn outcome_name(outcome: OpType) -> &'static str {
    match outcome {
        OpType::Ok => "ok",
        OpType::Fail => "fail",
        _ => "info",
    }
}

fn distinct<'a>(items: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut seen: Vec<&str> = Vec::new();
    for item in items {
        if !seen.contains(&item) {
            seen.push(item);
        }
    }
    seen
}

/// The bucket width for a run of `x_max` seconds: [`BUCKETS`] of them, at least a second.
fn bucket_s(x_max: f64) -> f64 {
    (x_max / BUCKETS).max(1.0)
}

/// A log axis from just below the smallest latency to just above the largest, at least a
/// decade tall.
fn log_bounds(latencies_ms: impl Iterator<Item = f64>) -> (f64, f64) {
    let (min, max) = latencies_ms.fold((f64::INFINITY, 0.0_f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let lo = if min.is_finite() { (min * 0.8).max(LATENCY_FLOOR_MS) } else { 0.1 };
    let hi = (max * 1.5).max(lo * 10.0);
    (lo, hi)
}

fn fault_bands<Y: Ranged<ValueType = f64>>(
    chart: &mut Chart<'_, '_, Y>,
    faults: &[FaultPeriod],
    lo: f64,
    hi: f64,
) -> Drawn {
    let kinds = distinct(faults.iter().map(|f| f.kind));
    for kind in kinds {
        let (r, g, b) = fault_rgb(kind);
        let band = RGBColor(r, g, b).mix(0.12);
        let rects = faults
            .iter()
            .filter(|f| f.kind == kind)
            .map(|f| Rectangle::new([(seconds(f.start_ns), lo), (seconds(f.end_ns), hi)], band.filled()));
        chart
            .draw_series(rects)?
            .label(kind)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 18, y + 5)], RGBColor(r, g, b).mix(0.3).filled()));
    }
    Ok(())
}

/// Points of one op and outcome: ok a dot, info a triangle, fail a cross.
fn markers<Y: Ranged<ValueType = f64>>(
    chart: &mut Chart<'_, '_, Y>,
    points: &[(f64, f64)],
    c: RGBColor,
    outcome: OpType,
    label: &str,
) -> Drawn {
    let at = points.iter().copied();
    match outcome {
        OpType::Ok => chart
            .draw_series(at.map(|p| Circle::new(p, 2, c.filled())))?
            .label(label)
            .legend(move |p| Circle::new(p, 3, c.filled())),
        OpType::Fail => chart
            .draw_series(at.map(|p| Cross::new(p, 3, c.stroke_width(2))))?
            .label(label)
            .legend(move |p| Cross::new(p, 3, c.stroke_width(2))),
        _ => chart
            .draw_series(at.map(|p| TriangleMarker::new(p, 4, c.filled())))?
            .label(label)
            .legend(move |p| TriangleMarker::new(p, 4, c.filled())),
    };
    Ok(())
}

/// One rate line: ok solid, info dashed, fail dotted.
fn rate_line(
    chart: &mut Chart<'_, '_, RangedCoordf64>,
    line: Vec<(f64, f64)>,
    c: RGBColor,
    outcome: OpType,
    label: String,
) -> Drawn {
    let style = c.stroke_width(2);
    let swatch = move |(x, y): (i32, i32)| PathElement::new(vec![(x, y), (x + 18, y)], style);
    match outcome {
        OpType::Ok => chart.draw_series(LineSeries::new(line, style))?.label(label).legend(swatch),
        OpType::Fail => chart.draw_series(DashedLineSeries::new(line, 2, 4, style))?.label(label).legend(swatch),
        _ => chart.draw_series(DashedLineSeries::new(line, 8, 4, style))?.label(label).legend(swatch),
    };
    Ok(())
}

fn legend<'a, 'b: 'a, Y: Ranged<ValueType = f64>>(chart: &mut Chart<'a, 'b, Y>) -> Drawn {
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.4))
        .position(SeriesLabelPosition::UpperRight)
        .draw()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use crate::checker::test_support::Hist;

    fn history() -> Vec<Op> {
        let mut h = Hist::default();
        for i in 0..20u64 {
            let f = if i % 2 == 0 { "read" } else { "write" };
            let outcome = if i % 5 == 0 { OpType::Fail } else { OpType::Ok };
            h.invoke(i % 2, f, Value::Null).time_ns = i * 500_000_000;
            h.push(outcome, i % 2, f, Value::Null).time_ns = i * 500_000_000 + 1_000_000 + i * 100_000;
        }
        h.ops
    }

    fn fault() -> FaultPeriod {
        FaultPeriod { kind: "partition", start_ns: 2_000_000_000, end_ns: 4_000_000_000, nodes: Vec::new() }
    }

    #[test]
    fn every_chart_draws_axes_legend_and_fault_band() {
        let h = history();
        for svg in [latency_raw(&h, &[fault()]), latency_quantiles(&h, &[fault()]), rate(&h, &[fault()])] {
            assert!(svg.starts_with("<svg"), "{}", &svg[..svg.len().min(200)]);
            assert!(!svg.contains("chart not drawn"), "{svg}");
            assert!(svg.contains("\ntime (s)\n") && svg.contains("\npartition\n"), "axis and fault legend");
        }
        let raw = latency_raw(&h, &[]);
        assert!(raw.contains("\nread ok\n") && raw.contains("\nread fail\n") && raw.contains("\nwrite ok\n"));
        assert!(net_rate(&[3, 5, 0], &[]).contains("messages/s"));
    }

    #[test]
    fn quantile_lines_break_at_empty_buckets() {
        let buckets = BTreeMap::from([(0, vec![1.0, 3.0]), (1, vec![2.0]), (5, vec![4.0])]);
        let runs = quantile_runs(&buckets, 1.0, 2.0, 0.01);
        assert_eq!(runs, [vec![(1.0, 3.0), (3.0, 2.0)], vec![(11.0, 4.0)]]);
    }

    #[test]
    fn log_ticks_name_only_one_two_and_five() {
        let labels: Vec<String> =
            [0.1, 0.3, 1.0, 2.0, 4.0, 5.0, 7.0, 10.0, 20.0, 90.0].iter().map(log_tick_label).collect();
        assert_eq!(labels, ["0.1", "", "1", "2", "", "5", "", "10", "20", ""]);
        assert_eq!(linear_tick_label(&(0.1 + 0.2)), "0.3");
        assert_eq!(linear_tick_label(&4.0), "4");
    }

    #[test]
    fn zero_latencies_sit_on_the_log_floor() {
        assert_eq!(log_bounds([0.0, 0.0].into_iter()), (LATENCY_FLOOR_MS, LATENCY_FLOOR_MS * 10.0));
        assert_eq!(log_bounds(std::iter::empty()), (0.1, 1.0));
    }
}
