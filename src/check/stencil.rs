//! Finite differences: the five-point stencils (central, and one-sided of the same order), the
//! step they take at a value, and the choice among them beside the edge of a domain.

use crate::numeric::matrix::Matrix;

/// The points of each stencil: f(0), f(±h), f(±2h) for the central one (f(0) with weight 0),
/// f(0), …, f(±4h) for the one-sided ones.
pub const STENCIL_POINTS: usize = 5;

/// A step moves a value whose sign matters by at most its distance from where the sign
/// changes over this: an input of a kinked activation (`step_for`), ŷ under a logarithm
/// (`EDGE_FRACTION`).
pub const SIGN_STEP_DIVISOR: f64 = 100.0;

/// The step for an entry of value v whose sign matters: the base step, but never more than
/// |v|/100, so that v ± 2h keeps v's sign and stays close: an input on one side of a kink
/// stays there. (ŷ under a log keeps its domain through `Room` instead.)
/// Elsewhere the base step is taken: a value that is zero up to rounding (0.1 + 0.2 − 0.3)
/// would otherwise be moved by less than rounding can show.
pub fn step_for(value: f64, step: f64) -> f64 {
    if value == 0.0 {
        step
    } else {
        step.min(value.abs() / SIGN_STEP_DIVISOR)
    }
}

/// The derivative at 0 of a function of one step, by the five-point central difference
/// (f(−2h) − 8f(−h) + 8f(h) − f(2h)) / 12h, whose error is of order h⁴.
///
/// It is taken as 8(f(h) − f(−h)) − (f(2h) − f(−2h)): differences of nearby values first, so
/// that an entry the step does not change gives exactly 0. Summed in the order written, the
/// terms eight times as large lose a last bit, which a small step turns into a large error.
pub fn stencil(h: f64, mut f: impl FnMut(f64) -> Matrix<f64>) -> Matrix<f64> {
    let (minus2, minus1, plus1, plus2) = (f(-2.0 * h), f(-h), f(h), f(2.0 * h));
    central_from(h, &minus2, &minus1, &plus1, &plus2)
}

/// Which differences a derivative was taken with.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Stencil {
    /// f(±h), f(±2h).
    Central,
    /// f(0), f(h), …, f(4h): away from an edge below.
    Forward,
    /// f(0), f(−h), …, f(−4h): away from an edge above.
    Backward,
}

/// How far the moved point may go, down (t < 0) and up (t > 0), before it leaves the domain of
/// the function differenced: ŷ ∈ (0, 1) under bce's log ŷ and log(1 − ŷ).
#[derive(Clone, Copy, Debug)]
pub struct Room {
    pub below: f64,
    pub above: f64,
    /// The smallest step that moves the point by more than its rounding can blur.
    pub finest: f64,
    /// Where positive, every step is a whole multiple of this: v + t is then exact for each
    /// point of the stencils (2 ulp of v, so that 1.5 times a step is one too), and the steps
    /// are the steps taken, however close to the edge.
    pub grain: f64,
    /// The edge of the domain nearest the point, if it has one.
    pub nearest: Option<Edge>,
}

/// An edge of a domain (1 for ŷ under bce) and how far from it a point lies.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Edge {
    pub at: f64,
    pub distance: f64,
}

impl Room {
    pub const UNBOUNDED: Room = Room {
        below: f64::INFINITY,
        above: f64::INFINITY,
        finest: 0.0,
        grain: 0.0,
        nearest: None,
    };

    /// The room of one value v inside (lo, hi), moved alone: steps are whole multiples of
    /// twice its ulp, so that v + t is exact (stepping down it stays exact as the ulp shrinks;
    /// stepping up stays below hi), and at least a hundred of them.
    pub fn inside(v: f64, lo: f64, hi: f64) -> Room {
        let (below, above) = (v - lo, hi - v);
        let grain = 2.0 * (v.abs().next_up() - v.abs());
        Room {
            below,
            above,
            finest: 100.0 * grain,
            grain,
            nearest: Some(if below <= above {
                Edge {
                    at: lo,
                    distance: below,
                }
            } else {
                Edge {
                    at: hi,
                    distance: above,
                }
            }),
        }
    }
}

/// A step reaches at most this fraction of the way to an edge of the domain; near it, the
/// derivatives of log grow like 1/distance⁵, and the stencil's error with (step/distance)⁴.
/// (1/100 is the same f64 as 0.01.)
const EDGE_FRACTION: f64 = 1.0 / SIGN_STEP_DIVISOR;

/// The least denominator of an error measured against differences: below it the error is
/// absolute, so that a gradient that is truly zero does not fail on the differences' rounding
/// noise. The stencil settles its step by the same measure.
pub const ERROR_FLOOR: f64 = 1e-3;

/// A stencil's value has settled when it is within this fraction of the tolerance (one part
/// in this many) of the same differences at `SECOND_STEP` times the step.
pub const SETTLE_DIVISOR: f64 = 10.0;

/// How many times a step is divided by ten where the function is not finite within its reach.
const SHRINKS: usize = 8;

/// How the differences of one item were taken, over all its entries or directions.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Took {
    /// The smallest step, where an edge of the domain or a value that was not finite made it
    /// smaller than the base step.
    pub shrunk_to: Option<f64>,
    /// Some entry or direction took one-sided differences.
    pub one_sided: bool,
    /// Some entry or direction could not be differenced within the tolerance at this point.
    pub impossible: bool,
    /// The nearest edge of the domain of those that could not, where they have one.
    pub edge: Option<Edge>,
}

impl Took {
    /// Counts one derivative taken with the base step `step` inside `room`.
    pub fn add(&mut self, derivative: &Option<Differenced>, step: f64, room: &Room) {
        match derivative {
            None => {
                self.impossible = true;
                self.edge = nearer(self.edge, room.nearest);
            }
            Some(d) => {
                if d.stencil != Stencil::Central {
                    self.one_sided = true;
                }
                if d.step < step {
                    self.shrunk_to = Some(self.shrunk_to.map_or(d.step, |s| s.min(d.step)));
                }
            }
        }
    }
}

fn nearer(a: Option<Edge>, b: Option<Edge>) -> Option<Edge> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if b.distance < a.distance { b } else { a }),
        (a, b) => a.or(b),
    }
}

/// A derivative by differences, with the stencil and step it took.
pub struct Differenced {
    pub value: Matrix<f64>,
    pub stencil: Stencil,
    pub step: f64,
}

/// The derivative at 0 of f, inside `room`: the central stencil at `step` wherever it stays a
/// hundredth of the way from the edges and every value is finite (the ordinary case, four
/// evaluations). Elsewhere the central stencil with the step shrunk to keep that distance, and
/// the one-sided stencils of the same order stepping away from each edge. Each is compared with
/// itself at 1.5 times the step, which shows the truncation error and rounding, and its step is
/// divided by ten (never below `room.finest`) until that estimate is within a tenth of
/// `tolerance`; of those that get there, the one with the largest step is taken. `None` when
/// none does: the function cannot be differenced at this point in float64.
pub fn differentiate(
    step: f64,
    room: Room,
    tolerance: f64,
    mut f: impl FnMut(f64) -> Matrix<f64>,
) -> Option<Differenced> {
    let central_step = step
        .min(room.below * EDGE_FRACTION)
        .min(room.above * EDGE_FRACTION);
    if central_step == step {
        let value = stencil(step, &mut f);
        if value.data.iter().all(|v| v.is_finite()) {
            return Some(Differenced {
                value,
                stencil: Stencil::Central,
                step,
            });
        }
    }
    let candidates = [
        (Stencil::Central, central_step),
        (Stencil::Forward, step.min(room.above * EDGE_FRACTION)),
        (Stencil::Backward, step.min(room.below * EDGE_FRACTION)),
    ];
    let good_enough = tolerance / SETTLE_DIVISOR;
    // Of the stencils whose estimate is good enough, the one with the largest step: the
    // estimate shows truncation reliably, rounding (which grows as the step shrinks) less so.
    let mut best: Option<Differenced> = None;
    for (kind, start) in candidates {
        // A one-sided stencil starts at the point, which must be inside the domain or on its edge.
        let inside = match kind {
            Stencil::Central => room.below > 0.0 && room.above > 0.0,
            Stencil::Forward => room.below >= 0.0,
            Stencil::Backward => room.above >= 0.0,
        };
        if !inside || start.is_nan() || start <= 0.0 {
            continue;
        }
        let mut h = start;
        for _ in 0..SHRINKS {
            // Where the grain is below the step's own rounding, v + t is as exact as t.
            if room.grain > 0.0 && h / room.grain < 2f64.powi(52) {
                h = (h / room.grain).floor() * room.grain;
            }
            if h < room.finest || h <= 0.0 {
                break;
            }
            match with_estimate(kind, h, room.grain / 4.0, &mut f) {
                Some((estimate, found)) if estimate <= good_enough => {
                    if best.as_ref().is_none_or(|b| found.step > b.step) {
                        best = Some(found);
                    }
                    break;
                }
                _ => h /= 10.0,
            }
        }
    }
    best
}

/// The ratio of the second step to the first in an estimate of the error: not a power of two,
/// so that steps rounded to a coarse grid (1 − v near v = 0) round differently at the two.
pub const SECOND_STEP: f64 = 1.5;

/// The stencil `kind` at h and its estimated error, |D(h) − D(1.5h)| over the size of D(h) (at
/// least 10⁻³, as the check's error), when every value it reads is finite. The truncation
/// errors of the two are in the ratio 1.5⁴ ≈ 5; rounding shows as their difference.
///
/// `rounding` is how far the point itself may lie from the value the formulas were evaluated
/// at (half an ulp of ŷ, which the formulas take from z more exactly); the derivative moves
/// by |f″| times that, added to the estimate. Beside log's singularity at an edge that is
/// what stops a check: at σ(25) = 1 − 1.4·10⁻¹¹, half an ulp moves 1/(1 − ŷ) by 4·10⁻⁶.
fn with_estimate(
    kind: Stencil,
    h: f64,
    rounding: f64,
    f: &mut impl FnMut(f64) -> Matrix<f64>,
) -> Option<(f64, Differenced)> {
    let signed = if kind == Stencil::Backward { -h } else { h };
    let mut at = |h: f64| match kind {
        Stencil::Central => stencil(h, &mut *f),
        Stencil::Forward | Stencil::Backward => {
            let at: Vec<Matrix<f64>> = (0..STENCIL_POINTS).map(|k| f(k as f64 * h)).collect();
            one_sided_from(h, [&at[0], &at[1], &at[2], &at[3], &at[4]])
        }
    };
    let fine = at(signed);
    let coarse = at(SECOND_STEP * signed);
    if !fine.data.iter().chain(&coarse.data).all(|v| v.is_finite()) {
        return None;
    }
    let largest = fine.data.iter().fold(ERROR_FLOOR, |m, v| m.max(v.abs()));
    let worst = fine
        .data
        .iter()
        .zip(&coarse.data)
        .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
    let moved_by_rounding = if rounding > 0.0 {
        // f″ from three values one step apart, f(0) among them.
        let (a, b, c) = match kind {
            Stencil::Central => (f(-h), f(0.0), f(h)),
            _ => (f(0.0), f(signed), f(2.0 * signed)),
        };
        let curvature = (0..b.data.len())
            .map(|i| ((a.data[i] - b.data[i]) - (b.data[i] - c.data[i])).abs() / (h * h))
            .fold(0.0f64, f64::max);
        curvature * rounding
    } else {
        0.0
    };
    Some((
        (worst + moved_by_rounding) / largest,
        Differenced {
            value: fine,
            stencil: kind,
            step: h,
        },
    ))
}

fn central_from(
    h: f64,
    minus2: &Matrix<f64>,
    minus1: &Matrix<f64>,
    plus1: &Matrix<f64>,
    plus2: &Matrix<f64>,
) -> Matrix<f64> {
    let data = (0..plus1.data.len())
        .map(|i| {
            let near = plus1.data[i] - minus1.data[i];
            let far = plus2.data[i] - minus2.data[i];
            (8.0 * near - far) / (12.0 * h)
        })
        .collect();
    Matrix::from_vec(plus1.rows, plus1.cols, data)
}

/// (−25f(0) + 48f(h) − 36f(2h) + 16f(3h) − 3f(4h)) / 12h, error of order h⁴ like the central
/// stencil's; h < 0 steps down. Taken as differences from f(0), so that an entry the step
/// does not change gives exactly 0.
fn one_sided_from(h: f64, at: [&Matrix<f64>; STENCIL_POINTS]) -> Matrix<f64> {
    let data = (0..at[0].data.len())
        .map(|i| {
            let d = |k: usize| at[k].data[i] - at[0].data[i];
            (48.0 * d(1) - 36.0 * d(2) + 16.0 * d(3) - 3.0 * d(4)) / (12.0 * h)
        })
        .collect();
    Matrix::from_vec(at[0].rows, at[0].cols, data)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An entry that does not move with the step has derivative exactly 0, however small the
    /// step: summed as (f(−2h) − 8f(−h) + 8f(h) − f(2h)), 0.2 − 1.6 + 1.6 − 0.2 is not 0, and
    /// divided by 12h at h = 5.6e-19 it came out as −8.3.
    #[test]
    fn an_entry_the_step_does_not_move_has_derivative_zero() {
        for h in [1e-4, 1e-10, 5.551115123125783e-19] {
            let derivative = stencil(h, |t| Matrix::from_vec(2, 1, vec![0.2, 3.0 * t]));
            assert_eq!(derivative.data[0], 0.0, "h = {h}");
            assert!((derivative.data[1] - 3.0).abs() < 1e-12, "h = {h}");
        }
    }

    fn scalar(v: f64) -> Matrix<f64> {
        Matrix::from_vec(1, 1, vec![v])
    }

    #[test]
    fn the_step_stays_inside_the_domain_and_shrinks_near_its_edge() {
        // −log(1 − v) at v = 1 − 2.2·10⁻⁴ (σ(8.4)): its derivative is 1/(1 − v).
        let v = 1.0 - 2.2e-4;
        let room = Room::inside(v, 0.0, 1.0);
        let d = differentiate(1e-4, room, 1e-6, |t| {
            assert!(v + t < 1.0, "stepped to {}", v + t);
            scalar(-(1.0 - (v + t)).ln())
        })
        .expect("differentiable");
        assert_eq!(d.stencil, Stencil::Central);
        assert!(d.step <= 2.2e-6);
        let exact = 1.0 / (1.0 - v);
        assert!((d.value.data[0] - exact).abs() < 1e-8 * exact);
    }

    #[test]
    fn beside_an_edge_where_the_function_is_smooth_the_stencil_is_one_sided() {
        // −log(1 − v) at v = 10⁻¹³, the domain (0, 1): no central step both stays inside and
        // rises above rounding, but stepping up is safe.
        let v = 1e-13;
        let room = Room::inside(v, 0.0, 1.0);
        let d = differentiate(1e-4, room, 1e-6, |t| {
            assert!(v + t > 0.0);
            scalar(-(1.0 - (v + t)).ln())
        })
        .expect("differentiable");
        assert_eq!(d.stencil, Stencil::Forward);
        assert!((d.value.data[0] - 1.0).abs() < 1e-8);
    }

    #[test]
    fn a_function_singular_closer_than_rounding_can_resolve_is_not_differenced() {
        // −log(1 − v) at v = 1 − 10⁻¹⁵: v ± h is rounded by as much as the step.
        let v = 1.0 - 1e-15;
        let room = Room::inside(v, 0.0, 1.0);
        assert!(differentiate(1e-4, room, 1e-6, |t| scalar(-(1.0 - (v + t)).ln())).is_none());
    }

    #[test]
    fn a_value_that_is_not_finite_nearby_shrinks_the_step() {
        // log v at v = 3·10⁻⁵, unbounded as far as the caller knows: v − 2h < 0 at h = 10⁻⁴.
        let v = 3e-5;
        let d = differentiate(1e-4, Room::UNBOUNDED, 1e-6, |t| scalar((v + t).ln()))
            .expect("differentiable");
        assert!(d.step < 1e-4);
        assert!((d.value.data[0] * v - 1.0).abs() < 1e-7);
    }
}
