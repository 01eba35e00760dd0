//! The check along random directions, for networks too large to difference entry by entry (as
//! PyTorch's fast gradcheck does).
//!
//! A gradient g of ℓ with respect to θ is right when, for a direction v, vᵀg equals the
//! derivative of t ↦ ℓ(θ + tv) at 0; a few seeded Gaussian directions make a wrong formula
//! pass with probability zero. A Jacobian J of y = f(x) is checked the same way: J u against the
//! derivative of t ↦ f(x + tu), evaluating only the layer. Each costs one stencil (four
//! forward passes) per direction instead of one per entry.

use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;

use crate::check::CheckOptions;
use crate::check::items::{Items, Printed};
use crate::check::nearby::{Moves, Nearby};
use crate::check::report::{CheckedForm, Comparison, Coverage};
use crate::check::sampling::uniform;
use crate::check::stencil::{Room, Took, differentiate};
use crate::convention::Layout;
use crate::derivation::Derivation;
use crate::math::expr::ExprId;
use crate::math::symbol::Symbol;
use crate::numeric::evaluator::Evaluator;
use crate::numeric::matrix::{Matrix, MatrixRef};

/// Along a direction, the step is divided by this where a kinked input would cross its kink...
pub const KINK_STEP_DIVISOR: f64 = 10.0;
/// ...but never below this: from the default step 10⁻⁴, six divisions at most.
pub const SMALLEST_KINK_STEP: f64 = 1e-10;
/// Along a direction u of a kinked activation's input z, the step is at most
/// |zₑ − k| / (this · |uₑ|) for every entry e (k the kink): a quarter of the way along u to the
/// nearest kink, so that the stencil, reaching two steps, moves no entry more than half way.
pub const KINK_DISTANCE_DIVISOR: f64 = 4.0;

/// Every printed form along random directions (`Coverage::PerParameter` or `Joint`): the
/// gradients along directions of each parameter, or of all of them at once, each closed form
/// of a joint check against its chain rule, each Jacobian along directions of its input, and
/// each backpropagated row against its chain rule. True when along some direction of the
/// parameters the stencil still crossed a kink at the smallest step, so that its differences
/// straddle it.
pub fn compare_along_directions<'b, 'a>(
    derivation: &'a Derivation,
    options: &CheckOptions,
    analytic: &'b Evaluator<'a, f64>,
    nearby: Nearby<'b, 'a, f64>,
    coverage: Coverage,
    items: &mut Items<'b, 'a>,
) -> bool {
    let count = match coverage {
        Coverage::PerParameter(count) | Coverage::Joint(count) => count,
        Coverage::Entrywise => unreachable!("an entrywise check takes no directions"),
    };
    let mut directions = Directions {
        derivation,
        base: analytic,
        nearby,
        step: options.step,
        tolerance: options.tolerance,
        // A stream of its own, apart from the point's (drawn from the seed itself).
        rng: ChaCha8Rng::seed_from_u64(options.seed ^ 0x5eed),
        count,
        straddled: false,
    };
    if let Coverage::Joint(_) = coverage {
        directions.gradients_jointly(items);
    } else {
        directions.gradients_per_parameter(items);
    }
    directions.jacobians(items);
    signals_against_chain_rule(derivation, analytic, items);
    directions.straddled
}

/// Each backpropagated row ∂ℓ/∂zᵢ in closed form against the value of its chain-rule form:
/// differencing ℓ in each zᵢ would cost a stencil per layer.
fn signals_against_chain_rule<'b, 'a>(
    derivation: &'a Derivation,
    analytic: &'b Evaluator<'a, f64>,
    items: &mut Items<'b, 'a>,
) {
    let value = |id| super::analytic_value(analytic, id);
    for signal in &derivation.signals {
        items.record(
            Printed::new(
                &signal.symbol,
                CheckedForm::ClosedForm,
                &[signal.closed_form, signal.chain_rule],
            ),
            Comparison::ChainRule,
            value(signal.closed_form),
            value(signal.chain_rule),
            Took::default(),
        );
    }
}

pub struct Directions<'b, 'a> {
    pub derivation: &'a Derivation,
    /// The evaluation at the check's point, with every forward value computed.
    pub base: &'b Evaluator<'a, f64>,
    /// Points near it.
    pub nearby: Nearby<'b, 'a, f64>,
    pub step: f64,
    pub tolerance: f64,
    pub rng: ChaCha8Rng,
    pub count: usize,
    /// Along some direction of the parameters the stencil crossed a kink even at the smallest
    /// step (`step_clear_of_kinks`).
    pub straddled: bool,
}

impl<'b, 'a> Directions<'b, 'a> {
    /// A value of the base evaluation; the check computes them all before it moves.
    fn base_value(&self, id: ExprId) -> MatrixRef<'b, f64> {
        self.base
            .computed(id)
            .expect("the check evaluates every forward value at its point first")
    }

    /// A random direction shaped like `like`, of unit length, so that a step of h moves the
    /// point by h whatever the size of the matrix.
    fn direction(&mut self, like: MatrixRef<f64>) -> Matrix<f64> {
        let mut data = Vec::with_capacity(like.data.len());
        self.direction_into(like, &mut data);
        Matrix::from_vec(like.rows, like.cols, data)
    }

    /// `direction`, its entries appended to `out`: a joint check draws one for each of tens of
    /// thousands of parameters into one array.
    fn direction_into(&mut self, like: MatrixRef<f64>, out: &mut Vec<f64>) {
        let start = out.len();
        // Box–Muller: Gaussian entries make every direction equally likely.
        out.extend((0..like.data.len()).map(|_| {
            let u1 = uniform(&mut self.rng, f64::EPSILON, 1.0);
            let u2 = uniform(&mut self.rng, 0.0, 1.0);
            (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
        }));
        let drawn = &mut out[start..];
        let norm = drawn
            .iter()
            .map(|v| v * v)
            .sum::<f64>()
            .sqrt()
            .max(f64::MIN_POSITIVE);
        drawn.iter_mut().for_each(|v| *v /= norm);
    }

    /// The stencil's step along a direction: the base step, divided by `KINK_STEP_DIVISOR`
    /// (never below `SMALLEST_KINK_STEP`) until no input of a kinked activation changes side
    /// of its kink between −2h and 2h (the stencil's reach), so the differences see one smooth
    /// piece. Without kinks, the base step. Where even the smallest step crosses a kink, that
    /// step, and `straddled` says so.
    fn step_clear_of_kinks(&mut self, moves: &Moves<f64>) -> f64 {
        let kinked: Vec<(ExprId, f64)> = self.derivation.network.kinked_inputs().collect();
        self.step_clear_of(&kinked, moves, self.step)
    }

    /// `step`, shrunk as `step_clear_of_kinks` says until none of `kinked` changes side of
    /// its kink along `moves` within the stencil's reach.
    fn step_clear_of(&mut self, kinked: &[(ExprId, f64)], moves: &Moves<f64>, step: f64) -> f64 {
        if kinked.is_empty() {
            return step;
        }
        let here: Vec<bool> = kinked
            .iter()
            .flat_map(|(z, kink)| self.base_value(*z).data.iter().map(move |v| v > kink))
            .collect();
        let nearby = &mut self.nearby;
        let mut sides = |t: f64| -> Vec<bool> {
            nearby.move_along(moves, t);
            let mut sides = Vec::with_capacity(here.len());
            for (z, kink) in kinked {
                sides.extend(nearby.value(*z).data.iter().map(|v| v > kink));
            }
            sides
        };
        let (h, crosses) =
            shrink_for_kinks(step, |h| sides(-2.0 * h) != here || sides(2.0 * h) != here);
        self.straddled |= crosses;
        h
    }

    fn loss_at(&mut self, moves: &Moves<f64>, t: f64) -> f64 {
        self.nearby.move_along(moves, t);
        self.nearby.value(self.derivation.network.loss_value).data[0]
    }

    /// For each direction, (vᵀg for each tree in `analytic`, the numeric derivative of ℓ),
    /// moving the given parameters (their leaves) together (all of them for a joint check),
    /// and how the differences were taken.
    pub fn along_parameters(
        &mut self,
        parameters: &[ExprId],
        analytic: &[Vec<MatrixRef<f64>>],
    ) -> (Vec<Matrix<f64>>, Matrix<f64>, Took) {
        assert_eq!(
            parameters.len(),
            analytic.len(),
            "the forms of each parameter"
        );
        let forms = analytic.first().map_or(0, Vec::len);
        let mut analytic_out = vec![Vec::with_capacity(self.count); forms];
        let mut numeric = Vec::with_capacity(self.count);
        let mut took = Took::default();
        let base = self.base;
        let base_value = |id: ExprId| {
            base.computed(id)
                .expect("the check evaluates every parameter at its point first")
        };
        let entries: usize = parameters.iter().map(|p| base_value(*p).data.len()).sum();
        for _ in 0..self.count {
            // One direction for each parameter, drawn in their order, one after another, in one
            // array sized once (a joint check's has an entry for every parameter entry).
            let mut direction = Vec::with_capacity(entries);
            for p in parameters {
                self.direction_into(base_value(*p), &mut direction);
            }
            for (form, out) in analytic_out.iter_mut().enumerate() {
                let mut rest = &direction[..];
                let dot: f64 = analytic
                    .iter()
                    .map(|forms| {
                        let g = forms[form].data;
                        let (v, after) = rest.split_at(g.len());
                        rest = after;
                        dot(v, g)
                    })
                    .sum();
                out.push(dot);
            }
            // Only the parameters move; everything before the first of them keeps its value.
            let moves = self.nearby.moves(parameters, direction);
            let h = self.step_clear_of_kinks(&moves);
            let tolerance = self.tolerance;
            let moved = |t: f64| Matrix::filled(1, 1, self.loss_at(&moves, t));
            let derivative = differentiate(h, Room::UNBOUNDED, tolerance, moved);
            took.add(&derivative, h, &Room::UNBOUNDED);
            numeric.push(derivative.map_or(f64::NAN, |d| d.value.data[0]));
        }
        let column = |values: Vec<f64>| Matrix::from_vec(values.len(), 1, values);
        (
            analytic_out.into_iter().map(column).collect(),
            column(numeric),
            took,
        )
    }

    /// J u for each direction u (as columns), against the derivative of the layer's output
    /// along u, and how the differences were taken; `analytic` are the evaluated forms of J.
    /// `domain` is the interval every entry of `by` must stay in (ŷ under a log), if any.
    #[allow(clippy::too_many_arguments)]
    pub fn along_input(
        &mut self,
        of: ExprId,
        by: ExprId,
        base: MatrixRef<f64>,
        analytic: &[MatrixRef<f64>],
        step: f64,
        kink: Option<f64>,
        domain: Option<(f64, f64)>,
        held: &[ExprId],
    ) -> (Vec<Matrix<f64>>, Matrix<f64>, Took) {
        let directions: Vec<Matrix<f64>> = (0..self.count).map(|_| self.direction(base)).collect();
        // The directions as the columns of one matrix: each form of J multiplies them all in
        // one product, which gives each column as J u would.
        let columns = side_by_side(&directions);
        // J u with J in numerator layout, the transpose of a denominator-layout Jacobian.
        let analytic = analytic
            .iter()
            .map(|j| match self.derivation.network.convention.layout {
                Layout::Numerator => j.matmul(columns.view()),
                Layout::Denominator => j.to_matrix().transpose().view().matmul(columns.view()),
            })
            .collect();
        let mut numeric_columns = Vec::with_capacity(self.count);
        let mut took = Took::default();
        for u in &directions {
            // A kinked input moved along u stays on its side of the kink: 2h|uₑ| ≤ |zₑ − kink|/2.
            let step = match kink {
                Some(k) => base
                    .data
                    .iter()
                    .zip(&u.data)
                    .filter(|(_, d)| **d != 0.0)
                    .map(|(z, d)| (z - k).abs() / (KINK_DISTANCE_DIVISOR * d.abs()))
                    .fold(step, f64::min),
                None => step,
            };
            let room = domain.map_or(Room::UNBOUNDED, |(lo, hi)| room_along(base, u, lo, hi));
            // Only the layer is evaluated again: its input moves, nothing else (the node's other
            // operands are held, moving by 0).
            let mut nodes = vec![by];
            let mut direction = u.data.clone();
            for v in held {
                nodes.push(*v);
                let size = self
                    .base
                    .computed(*v)
                    .expect("a held value has a base value")
                    .data
                    .len();
                direction.extend(std::iter::repeat_n(0.0, size));
            }
            let moves = self.nearby.moves(&nodes, direction);
            // ŷ moved along u keeps the loss's kinks (l1's ŷ − y at 0) on their side, as the
            // parameters' directions keep the activations' kinks.
            let step = if by == self.derivation.network.yhat {
                self.step_clear_of(&self.derivation.network.loss_kinks, &moves, step)
            } else {
                step
            };
            let nearby = &mut self.nearby;
            let mut moved = |t: f64| {
                nearby.move_along(&moves, t);
                nearby.value(of).to_matrix()
            };
            let derivative = differentiate(step, room, self.tolerance, &mut moved);
            took.add(&derivative, step, &room);
            numeric_columns.push(match derivative {
                Some(d) => d.value,
                None => moved(0.0).map(|_| f64::NAN),
            });
        }
        (analytic, side_by_side(&numeric_columns), took)
    }

    /// The chain-rule and closed form of each gradient, whose vᵀg `along_parameters` takes.
    fn gradient_forms(&self) -> Vec<Vec<MatrixRef<'b, f64>>> {
        self.derivation
            .gradients
            .iter()
            .map(|g| {
                vec![
                    self.base_value(g.chain_rule),
                    self.base_value(g.closed_form),
                ]
            })
            .collect()
    }

    /// Every gradient along directions moving all the parameters θ at once, in one item for
    /// the chain-rule forms and one for the closed forms; then each closed form against the
    /// value of its chain-rule form.
    fn gradients_jointly(&mut self, items: &mut Items<'b, 'a>) {
        let derivation = self.derivation;
        let forms = self.gradient_forms();
        let leaves: Vec<ExprId> = derivation.gradients.iter().map(|g| g.leaf).collect();
        let (a, n, took) = self.along_parameters(&leaves, &forms);
        let all = Symbol::partial(Symbol::Loss, Symbol::Parameters);
        // Every chain-rule form, and every closed form, in one item each: the saturation of
        // any of them says why such an item is not finite.
        let (chains, closeds): (Vec<ExprId>, Vec<ExprId>) = derivation
            .gradients
            .iter()
            .map(|g| (g.chain_rule, g.closed_form))
            .unzip();
        let comparison = Comparison::Directions(self.count);
        items.record(
            Printed::new(&all, CheckedForm::ChainRule, &chains),
            comparison,
            a[0].view(),
            n.view(),
            took,
        );
        items.record(
            Printed::new(&all, CheckedForm::ClosedForm, &closeds),
            comparison,
            a[1].view(),
            n.view(),
            took,
        );
        for (g, f) in derivation.gradients.iter().zip(&forms) {
            items.record(
                Printed::new(
                    &g.symbol,
                    CheckedForm::ClosedForm,
                    &[g.closed_form, g.chain_rule],
                ),
                Comparison::ChainRule,
                f[1],
                f[0],
                Took::default(),
            );
        }
    }

    /// Each gradient, in chain-rule and closed form, along directions of its own parameter.
    fn gradients_per_parameter(&mut self, items: &mut Items<'b, 'a>) {
        let derivation = self.derivation;
        let forms = self.gradient_forms();
        let comparison = Comparison::Directions(self.count);
        for (g, f) in derivation.gradients.iter().zip(&forms) {
            let (a, n, took) =
                self.along_parameters(std::slice::from_ref(&g.leaf), std::slice::from_ref(f));
            for (form, tree, analytic) in [
                (CheckedForm::ChainRule, &g.chain_rule, &a[0]),
                (CheckedForm::ClosedForm, &g.closed_form, &a[1]),
            ] {
                items.record(
                    Printed::new(&g.symbol, form, std::slice::from_ref(tree)),
                    comparison,
                    analytic.view(),
                    n.view(),
                    took,
                );
            }
        }
    }

    /// Each Jacobian, as defined and (where it differs) as simplified, along directions of
    /// its input, which keep a kinked layer's input on its side of the kink and ŷ inside the
    /// loss's domain.
    fn jacobians(&mut self, items: &mut Items<'b, 'a>) {
        let derivation = self.derivation;
        let network = &derivation.network;
        let domain = super::output_domain(derivation);
        let comparison = Comparison::Directions(self.count);
        for j in &derivation.jacobians {
            let mut trees = vec![self.base_value(j.definition)];
            if j.simplified != j.definition {
                trees.push(self.base_value(j.simplified));
            }
            // A kinked layer's input stays on its side of the kink (the step shrinks).
            let kink = j.layer.and_then(|i| network.layers[i].kink());
            let within = domain
                .filter(|(yhat, _, _)| *yhat == j.by)
                .map(|(_, lo, hi)| (lo, hi));
            let held = j.held(network);
            let (a, n, took) = self.along_input(
                j.of,
                j.by,
                self.base_value(j.by),
                &trees,
                self.step,
                kink,
                within,
                &held,
            );
            items.record(
                Printed::new(
                    &j.symbol,
                    CheckedForm::Definition,
                    std::slice::from_ref(&j.definition),
                ),
                comparison,
                a[0].view(),
                n.view(),
                took,
            );
            if let Some(simplified) = a.get(1) {
                items.record(
                    Printed::new(
                        &j.symbol,
                        CheckedForm::Simplified,
                        std::slice::from_ref(&j.simplified),
                    ),
                    comparison,
                    simplified.view(),
                    n.view(),
                    took,
                );
            }
        }
    }
}

/// `step`, divided by `KINK_STEP_DIVISOR` while the stencil at it would cross a kink, but never
/// below `SMALLEST_KINK_STEP`; and whether the stencil at the step returned still crosses one
/// (only at the smallest step can it).
fn shrink_for_kinks(step: f64, mut crosses: impl FnMut(f64) -> bool) -> (f64, bool) {
    let mut h = step;
    loop {
        if !crosses(h) {
            return (h, false);
        }
        if h / KINK_STEP_DIVISOR < SMALLEST_KINK_STEP {
            return (h, true);
        }
        h /= KINK_STEP_DIVISOR;
    }
}

/// How far a point may move along u, down and up, with every entry staying in (lo, hi), and
/// the smallest step its rounding allows (`Room::inside` for each entry, at its speed |uₑ|).
fn room_along(base: MatrixRef<f64>, u: &Matrix<f64>, lo: f64, hi: f64) -> Room {
    let mut room = Room::UNBOUNDED;
    for (v, d) in base.data.iter().zip(&u.data) {
        if *d == 0.0 {
            continue;
        }
        let entry = Room::inside(*v, lo, hi);
        let speed = d.abs();
        let (down, up) = if *d > 0.0 {
            (entry.below, entry.above)
        } else {
            (entry.above, entry.below)
        };
        room.below = room.below.min(down / speed);
        room.above = room.above.min(up / speed);
        // v + t·u is rounded whatever the step: it must be 10⁷ times that rounding.
        room.finest = room.finest.max(1e7 * f64::EPSILON * v.abs() / speed);
        room.nearest = match (room.nearest, entry.nearest) {
            (Some(a), Some(b)) if a.distance <= b.distance => Some(a),
            (_, b) => b,
        };
    }
    room
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Columns joined into one matrix; a matrix given as a column is read entry by entry.
fn side_by_side(columns: &[Matrix<f64>]) -> Matrix<f64> {
    let rows = columns.first().map_or(0, |c| c.data.len());
    let mut data = vec![0.0; rows * columns.len()];
    for (c, column) in columns.iter().enumerate() {
        for r in 0..rows {
            data[r * columns.len() + c] = column.data[r];
        }
    }
    Matrix::from_vec(rows, columns.len(), data)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// From the default step, the step that keeps crossing a kink ends at its floor, after the
    /// same divisions as dividing by ten while above 1e-9 (1.0000000000000003e-10, as the
    /// divisions round), and still crosses; one that crosses nothing is the step itself.
    #[test]
    fn the_step_along_a_direction_shrinks_to_its_floor_and_no_further() {
        let step = CheckOptions::DEFAULT_STEP;
        let (floor, straddles) = shrink_for_kinks(step, |_| true);
        assert!(straddles);
        assert!(floor >= SMALLEST_KINK_STEP, "{floor}");
        assert!(floor < SMALLEST_KINK_STEP * KINK_STEP_DIVISOR, "{floor}");
        let mut above = step;
        while above > 1e-9 {
            above /= 10.0;
        }
        assert_eq!(floor, above);
        assert_eq!(shrink_for_kinks(step, |_| false), (step, false));
        // It stops at the first step that crosses nothing.
        let mut tried = Vec::new();
        let (clear, straddles) = shrink_for_kinks(step, |h| {
            tried.push(h);
            h > 2e-7
        });
        assert_eq!(tried.len(), 4, "{tried:?}");
        assert_eq!(Some(&clear), tried.last());
        assert!(!straddles);
        // A stencil clear of the kinks only at the smallest step does not straddle them.
        let (last, straddles) = shrink_for_kinks(step, |h| h > SMALLEST_KINK_STEP * 2.0);
        assert_eq!((last, straddles), (floor, false));
    }
}
