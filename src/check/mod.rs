//! The numeric check: evaluate the printed trees at a seeded random point and compare them with
//! central finite differences of the forward pass (the five-point stencil, error of order h⁴).
//!
//! Entry by entry when the network is small enough (`BUDGET`): every gradient (chain-rule and
//! closed form) against differences of ℓ in each parameter entry; every Jacobian (as defined and
//! as simplified) against differences of the layer's output in each input entry; every
//! backpropagated row ∂ℓ/∂zᵢ against differences of ℓ in each entry of zᵢ. Beyond the budget,
//! along a few random directions instead (see `directional`), and each closed form against the
//! value of its chain-rule form. The error of one item is
//!     max |analytic − numeric| / max(‖analytic‖∞, ‖numeric‖∞, 10⁻³),
//! relative for entries of ordinary size and absolute below 10⁻³, so that a gradient that is
//! truly zero does not fail on rounding noise. NaN or infinity is a failure, except where the
//! point is saturated in float64 (`saturation`), or the differences cannot be taken there
//! (`stencil::differentiate`): the item is then not checked, which is neither a pass nor a fail.

pub mod budget;
mod directional;
mod entrywise;
mod nearby;
mod sampling;
mod saturation;
mod stencil;

pub use sampling::random_point;
pub use saturation::{Saturated, Saturation};
pub use stencil::{Edge, Took};

use std::borrow::Cow;

use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;

use crate::check::budget::check_budget;
use crate::derivation::Derivation;
use crate::error::Error;
use crate::math::expr::{ExprId, Node};
use crate::math::symbol::Symbol;
use crate::numeric::evaluator::{Evaluator, Inputs, for_each_operand};
use crate::numeric::matrix::{Matrix, MatrixRef};
use crate::numeric::sizes::Sizes;

use directional::Directions;
use entrywise::Checker;
use nearby::Nearby;
use sampling::{Placement, kink_placement_in};
use saturation::SaturatedNodes;

#[derive(Clone, Debug)]
pub struct CheckOptions {
    pub seed: u64,
    pub sizes: Sizes,
    /// Finite-difference step.
    pub step: f64,
    pub tolerance: f64,
}

impl CheckOptions {
    pub const DEFAULT_SEED: u64 = 0;
    /// The step h of the five-point stencil; it reaches 2h from the point, well inside
    /// `KINK_MARGIN`.
    pub const DEFAULT_STEP: f64 = 1e-4;
    pub const DEFAULT_TOLERANCE: f64 = 1e-6;
    /// No pre-activation of a kinked function (ReLU) lies closer than this to its kink.
    pub const KINK_MARGIN: f64 = 1e-3;
    /// Multiply-adds the entry-by-entry check may take; beyond, it checks along directions.
    pub const BUDGET: f64 = 2e8;
    /// Random directions per quantity when checking along directions.
    pub const DIRECTIONS: usize = 3;
    /// The kink margin of a random point checked along directions: smaller than the
    /// entrywise one (wide layers rarely keep every input 1e-3 from 0), since the step then
    /// shrinks wherever a kink is near.
    pub const DIRECTION_KINK_MARGIN: f64 = 1e-5;
}

/// Which printed form of a quantity an item checks.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Form {
    ChainRule,
    ClosedForm,
    /// A Jacobian as its derivative rule gives it.
    Definition,
    /// A Jacobian after simplification.
    Simplified,
}

impl Form {
    pub fn label(self) -> &'static str {
        match self {
            Form::ChainRule => "chain rule",
            Form::ClosedForm => "closed form",
            Form::Definition => "as defined",
            Form::Simplified => "simplified",
        }
    }
}

/// How an item's analytic value was compared.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Method {
    /// With central differences in every entry.
    Entries,
    /// With central differences along this many random directions.
    Directions(usize),
    /// With the value of the chain-rule form (itself checked by differences).
    ChainRule,
}

impl Mode {
    /// How far from a kink the point must keep every kinked input.
    pub fn kink_margin(self) -> f64 {
        match self {
            Mode::Entrywise => CheckOptions::KINK_MARGIN,
            _ => CheckOptions::DIRECTION_KINK_MARGIN,
        }
    }
}

impl Method {
    pub fn label(self) -> String {
        match self {
            Method::Entries => "every entry".into(),
            Method::Directions(n) => format!("{n} directions"),
            Method::ChainRule => "= chain rule".into(),
        }
    }
}

/// Which check ran, decided by its cost.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Mode {
    /// Every entry of every parameter and Jacobian input.
    Entrywise,
    /// Random directions for each parameter and each Jacobian.
    PerParameter(usize),
    /// Random directions moving all parameters θ at once, and for each Jacobian.
    Joint(usize),
}

#[derive(Clone, Debug)]
pub struct CheckItem {
    pub symbol: Symbol,
    pub form: Form,
    pub method: Method,
    pub error: f64,
    pub passed: bool,
    /// Where a NaN or an infinity appeared, if one did: "the formula gives NaN", "the finite
    /// differences give an infinity". Such an item fails, unless it is `unchecked`.
    pub non_finite: Option<String>,
    /// How the differences were taken, where not with the central stencil at the report's step.
    pub took: Took,
    /// Why the item could not be checked at this point, if it could not: then it neither
    /// passed nor failed.
    pub unchecked: Option<Unchecked>,
}

/// Why an item could not be checked at this point.
#[derive(Clone, Debug, PartialEq)]
pub enum Unchecked {
    /// The formula is not finite because a value it reads is saturated in float64.
    Saturated(Saturation),
    /// The finite differences cannot be taken here within the tolerance: ŷ is on the edge of
    /// the loss's domain (the edge given), or closer to it than float64 can difference; or,
    /// without an edge, ℓ is not finite nearby.
    NotDifferentiable(Option<Edge>),
}

/// What the check says as a whole.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Verdict {
    /// Every item within tolerance.
    Pass,
    /// Some item disagrees with its finite differences.
    Fail,
    /// None disagrees, but some could not be checked at this point.
    Unchecked,
}

impl CheckItem {
    /// The error as printed: `3.1e-11`, or `NaN`/`∞` when a value was not finite, `n/a` when
    /// the item could not be checked at this point.
    pub fn error_text(&self) -> String {
        if self.unchecked.is_some() {
            "n/a".into()
        } else if self.error.is_nan() {
            "NaN".into()
        } else if self.error.is_infinite() {
            "∞".into()
        } else {
            format!("{:.1e}", self.error)
        }
    }
}

/// Says which side was not finite, and how.
fn non_finite(analytic: MatrixRef<f64>, numeric: MatrixRef<f64>) -> Option<String> {
    let kind = |m: MatrixRef<f64>| {
        if m.data.iter().any(|v| v.is_nan()) {
            Some("NaN")
        } else if m.data.iter().any(|v| v.is_infinite()) {
            Some("an infinity")
        } else {
            None
        }
    };
    match (kind(analytic), kind(numeric)) {
        (Some(a), Some(n)) => Some(format!(
            "the formula gives {a} and the finite differences {n}"
        )),
        (Some(a), None) => Some(format!("the formula gives {a}")),
        (None, Some(n)) => Some(format!("the finite differences give {n}")),
        (None, None) => None,
    }
}

#[derive(Clone, Debug)]
pub struct CheckReport {
    /// The seed of the random point; `None` when the point was given.
    pub seed: Option<u64>,
    pub sizes: Sizes,
    pub step: f64,
    pub tolerance: f64,
    pub items: Vec<CheckItem>,
    /// Some input of a kinked activation (ReLU) lies within `KINK_MARGIN` of the kink, where
    /// the derivative does not exist and finite differences straddle it (only a given point
    /// can; a random one is drawn away from kinks).
    pub near_kink: bool,
    pub mode: Mode,
    /// How far from its kink every kinked input of a random point is.
    pub margin: f64,
}

impl CheckReport {
    pub fn passed(&self) -> bool {
        self.items.iter().all(|i| i.passed)
    }

    /// Fail where any item fails, even if others could not be checked.
    pub fn verdict(&self) -> Verdict {
        if self
            .items
            .iter()
            .any(|i| !i.passed && i.unchecked.is_none())
        {
            Verdict::Fail
        } else if self.passed() {
            Verdict::Pass
        } else {
            Verdict::Unchecked
        }
    }
}

/// The interval the entries of ŷ must stay in when the loss takes its logarithm: (0, 1) under
/// bce (log ŷ and log(1 − ŷ)), (0, ∞) under ce (log ŷ).
fn output_domain(derivation: &Derivation) -> Option<(ExprId, f64, f64)> {
    let network = &derivation.network;
    if network.loss.needs_probabilities() {
        Some((network.yhat, 0.0, 1.0))
    } else if network.loss.takes_log_of_output() {
        Some((network.yhat, 0.0, f64::INFINITY))
    } else {
        None
    }
}

/// The largest error over all entries, scaled as the module documentation says.
pub fn error_between(analytic: MatrixRef<f64>, numeric: MatrixRef<f64>) -> f64 {
    error_with_floor(analytic, numeric, 1e-3)
}

/// The error between two analytic values (a closed form and its chain rule): no differencing
/// noise to allow for, so purely relative, and a vanishing gradient is still compared.
fn analytic_error(a: MatrixRef<f64>, b: MatrixRef<f64>) -> f64 {
    error_with_floor(a, b, f64::MIN_POSITIVE)
}

fn error_with_floor(analytic: MatrixRef<f64>, numeric: MatrixRef<f64>, floor: f64) -> f64 {
    if (analytic.rows, analytic.cols) != (numeric.rows, numeric.cols) {
        return f64::INFINITY;
    }
    if analytic
        .data
        .iter()
        .chain(numeric.data)
        .any(|v| !v.is_finite())
    {
        return f64::NAN;
    }
    // Every entry finite: the largest difference and sizes in one pass, without a matrix of
    // differences (the check compares tens of thousands of items).
    let (mut worst, mut largest_analytic, mut largest_numeric) = (0.0f64, 0.0f64, 0.0f64);
    for (a, n) in analytic.data.iter().zip(numeric.data) {
        worst = worst.max((a - n).abs());
        largest_analytic = largest_analytic.max(a.abs());
        largest_numeric = largest_numeric.max(n.abs());
    }
    worst / largest_analytic.max(largest_numeric).max(floor)
}

/// Runs the whole check at a random point drawn from `options.seed`, after making sure that its
/// sizes fit in memory.
pub fn check(derivation: &Derivation, options: &CheckOptions) -> Result<CheckReport, Error> {
    Ok(PreparedCheck::at_random_point(derivation, options)?.run())
}

/// A check ready to run: its sizes are known to fit in memory and its point is chosen, so every
/// refusal of its input has been given. Running it cannot fail, and the derivation can be
/// written out while it runs.
pub struct PreparedCheck<'a> {
    derivation: &'a Derivation,
    options: &'a CheckOptions,
    /// Drawn here for a random point, borrowed for a given one.
    inputs: Cow<'a, Inputs<f64>>,
    mode: Mode,
    /// The seed of a random point; `None` for a given one.
    seed: Option<u64>,
}

impl<'a> PreparedCheck<'a> {
    /// The check at a random point drawn from `options.seed`.
    pub fn at_random_point(
        derivation: &'a Derivation,
        options: &'a CheckOptions,
    ) -> Result<Self, Error> {
        check_budget(derivation, &options.sizes)?;
        let mode = choose_mode(derivation, &options.sizes);
        let inputs = random_point(derivation, options, mode.kink_margin()).map_err(Error::Check)?;
        Ok(PreparedCheck {
            derivation,
            options,
            inputs: Cow::Owned(inputs),
            mode,
            seed: Some(options.seed),
        })
    }

    /// The check at the given point.
    pub fn at(
        derivation: &'a Derivation,
        options: &'a CheckOptions,
        inputs: &'a Inputs<f64>,
    ) -> Self {
        PreparedCheck {
            derivation,
            options,
            inputs: Cow::Borrowed(inputs),
            mode: choose_mode(derivation, &options.sizes),
            seed: None,
        }
    }

    /// Evaluates every printed form at the point and compares it with finite differences.
    pub fn run(&self) -> CheckReport {
        let mut report = check_in_mode(self.derivation, self.options, &self.inputs, self.mode);
        report.seed = self.seed;
        report
    }
}

fn check_in_mode(
    derivation: &Derivation,
    options: &CheckOptions,
    inputs: &Inputs<f64>,
    mode: Mode,
) -> CheckReport {
    let network = &derivation.network;
    // Every analytic value comes from one evaluation, sharing what the trees share, done before
    // anything moves: the differences then borrow its values, and every point near it
    // evaluates only what depends on what moved there.
    let mut analytic = Evaluator::new(&network.arena, &options.sizes, inputs);
    analytic.reserve_every_node();
    analytic.value(network.loss_value);
    for layer in &network.layers {
        analytic.value(layer.input);
    }
    for g in &derivation.gradients {
        for id in [g.leaf, g.chain_rule, g.closed_form] {
            analytic.value(id);
        }
    }
    for j in &derivation.jacobians {
        for id in [j.by, j.definition, j.simplified] {
            analytic.value(id);
        }
    }
    for signal in &derivation.signals {
        for id in [signal.by, signal.chain_rule, signal.closed_form] {
            analytic.value(id);
        }
    }
    let near_kink =
        kink_placement_in(derivation, &mut analytic, mode.kink_margin()) == Placement::TooClose;
    let analytic = analytic;
    let value = |id: ExprId| {
        analytic
            .computed(id)
            .expect("every analytic value is evaluated above")
    };
    let mut nearby = Nearby::new(&analytic);
    // At most two items for each quantity, and the two of a joint check: reserved once, as a
    // deep chain has tens of thousands.
    let quantities =
        derivation.gradients.len() + derivation.jacobians.len() + derivation.signals.len() + 1;
    let mut items = Vec::with_capacity(2 * quantities);
    // Which values are saturated at this point, found once the first formula is not finite.
    let mut saturated: Option<SaturatedNodes> = None;
    let mut push = |symbol: &Symbol,
                    form: Form,
                    method: Method,
                    trees: &[ExprId],
                    a: MatrixRef<f64>,
                    n: MatrixRef<f64>,
                    took: Took| {
        let error = if method == Method::ChainRule {
            analytic_error(a, n)
        } else {
            error_between(a, n)
        };
        // A finite error means every entry was finite.
        let non_finite = if error.is_finite() {
            None
        } else {
            non_finite(a, n)
        };
        // Compared with its chain rule, both sides are formulas.
        let formulas_finite = a.data.iter().all(|v| v.is_finite())
            && (method != Method::ChainRule || n.data.iter().all(|v| v.is_finite()));
        let unchecked = if error.is_finite() {
            None
        } else if let Some(cause) = (!formulas_finite)
            .then(|| {
                saturated
                    .get_or_insert_with(|| SaturatedNodes::find(&network.arena, &analytic))
                    .cause_of(trees)
            })
            .flatten()
        {
            Some(Unchecked::Saturated(cause))
        } else if took.impossible {
            Some(Unchecked::NotDifferentiable(took.edge))
        } else {
            None
        };
        items.push(CheckItem {
            symbol: symbol.clone(),
            form,
            method,
            error,
            // NaN compares false, so it fails here too; said explicitly all the same.
            passed: non_finite.is_none() && error <= options.tolerance,
            non_finite,
            took,
            unchecked,
        });
    };
    let none = Took::default();
    let domain = output_domain(derivation);
    match mode {
        Mode::Entrywise => {
            let mut checker =
                Checker::new(derivation, &mut nearby, options.step, options.tolerance);
            for g in &derivation.gradients {
                let (numeric, took) = checker.parameter_gradient(g.leaf, value(g.leaf));
                let (chain, closed) = (value(g.chain_rule), value(g.closed_form));
                push(
                    &g.symbol,
                    Form::ChainRule,
                    Method::Entries,
                    &[g.chain_rule],
                    chain,
                    numeric.view(),
                    took,
                );
                push(
                    &g.symbol,
                    Form::ClosedForm,
                    Method::Entries,
                    &[g.closed_form],
                    closed,
                    numeric.view(),
                    took,
                );
            }
            for j in &derivation.jacobians {
                let (numeric, took) = checker.jacobian(j.of, j.by, value(j.by));
                let defined = value(j.definition);
                push(
                    &j.symbol,
                    Form::Definition,
                    Method::Entries,
                    &[j.definition],
                    defined,
                    numeric.view(),
                    took,
                );
                if j.simplified != j.definition {
                    let simplified = value(j.simplified);
                    push(
                        &j.symbol,
                        Form::Simplified,
                        Method::Entries,
                        &[j.simplified],
                        simplified,
                        numeric.view(),
                        took,
                    );
                }
            }
            for signal in &derivation.signals {
                let (row, took) = checker.jacobian(network.loss_value, signal.by, value(signal.by));
                let numeric = match &network.samples {
                    None => row,
                    // Δ = N ∂ℓ/∂Z, shaped like Z.
                    Some(samples) => {
                        let shape = network.arena.shape(signal.by);
                        let count = options.sizes.of(samples) as f64;
                        Matrix::from_vec(
                            options.sizes.of(&shape.rows),
                            options.sizes.of(&shape.cols),
                            row.data.iter().map(|v| v * count).collect(),
                        )
                    }
                };
                let (chain, closed) = (value(signal.chain_rule), value(signal.closed_form));
                push(
                    &signal.symbol,
                    Form::ChainRule,
                    Method::Entries,
                    &[signal.chain_rule],
                    chain,
                    numeric.view(),
                    took,
                );
                push(
                    &signal.symbol,
                    Form::ClosedForm,
                    Method::Entries,
                    &[signal.closed_form],
                    closed,
                    numeric.view(),
                    took,
                );
            }
        }
        Mode::PerParameter(count) | Mode::Joint(count) => {
            let mut directions = Directions {
                derivation,
                base: &analytic,
                nearby,
                step: options.step,
                tolerance: options.tolerance,
                rng: ChaCha8Rng::seed_from_u64(options.seed ^ 0x5eed),
                count,
            };
            let method = Method::Directions(count);
            let forms: Vec<Vec<MatrixRef<f64>>> = derivation
                .gradients
                .iter()
                .map(|g| vec![value(g.chain_rule), value(g.closed_form)])
                .collect();
            if mode == Mode::Joint(count) {
                let leaves: Vec<ExprId> = derivation.gradients.iter().map(|g| g.leaf).collect();
                let (a, n, took) = directions.along_parameters(&leaves, &forms);
                let all = Symbol::partial(Symbol::Loss, Symbol::Parameters);
                // Every chain-rule form, and every closed form, in one item each: the
                // saturation of any of them says why such an item is not finite.
                let (chains, closeds): (Vec<ExprId>, Vec<ExprId>) = derivation
                    .gradients
                    .iter()
                    .map(|g| (g.chain_rule, g.closed_form))
                    .unzip();
                push(
                    &all,
                    Form::ChainRule,
                    method,
                    &chains,
                    a[0].view(),
                    n.view(),
                    took,
                );
                push(
                    &all,
                    Form::ClosedForm,
                    method,
                    &closeds,
                    a[1].view(),
                    n.view(),
                    took,
                );
                for (g, f) in derivation.gradients.iter().zip(&forms) {
                    push(
                        &g.symbol,
                        Form::ClosedForm,
                        Method::ChainRule,
                        &[g.closed_form, g.chain_rule],
                        f[1],
                        f[0],
                        none,
                    );
                }
            } else {
                for (g, f) in derivation.gradients.iter().zip(&forms) {
                    let (a, n, took) = directions
                        .along_parameters(std::slice::from_ref(&g.leaf), std::slice::from_ref(f));
                    push(
                        &g.symbol,
                        Form::ChainRule,
                        method,
                        &[g.chain_rule],
                        a[0].view(),
                        n.view(),
                        took,
                    );
                    push(
                        &g.symbol,
                        Form::ClosedForm,
                        method,
                        &[g.closed_form],
                        a[1].view(),
                        n.view(),
                        took,
                    );
                }
            }
            for j in &derivation.jacobians {
                let mut trees = vec![value(j.definition)];
                if j.simplified != j.definition {
                    trees.push(value(j.simplified));
                }
                // A kinked layer's input stays on its side of the kink (the step shrinks).
                let kink = j.layer.and_then(|i| network.layers[i].kink());
                let within = domain
                    .filter(|(yhat, _, _)| *yhat == j.by)
                    .map(|(_, lo, hi)| (lo, hi));
                let (a, n, took) = directions.along_input(
                    j.of,
                    j.by,
                    value(j.by),
                    &trees,
                    options.step,
                    kink,
                    within,
                );
                push(
                    &j.symbol,
                    Form::Definition,
                    method,
                    &[j.definition],
                    a[0].view(),
                    n.view(),
                    took,
                );
                if let Some(simplified) = a.get(1) {
                    push(
                        &j.symbol,
                        Form::Simplified,
                        method,
                        &[j.simplified],
                        simplified.view(),
                        n.view(),
                        took,
                    );
                }
            }
            for signal in &derivation.signals {
                let (chain, closed) = (value(signal.chain_rule), value(signal.closed_form));
                push(
                    &signal.symbol,
                    Form::ClosedForm,
                    Method::ChainRule,
                    &[signal.closed_form, signal.chain_rule],
                    closed,
                    chain,
                    none,
                );
            }
        }
    }
    CheckReport {
        seed: None,
        sizes: options.sizes.clone(),
        step: options.step,
        tolerance: options.tolerance,
        items,
        near_kink,
        mode,
        margin: mode.kink_margin(),
    }
}

/// Entry by entry when that fits `BUDGET`; else directions per parameter when those fit;
/// else directions moving every parameter at once.
pub fn choose_mode(derivation: &Derivation, sizes: &Sizes) -> Mode {
    let network = &derivation.network;
    let forward = forward_cost(derivation, sizes);
    let entries = |id: ExprId| {
        let shape = network.arena.shape(id);
        (sizes.of(&shape.rows) * sizes.of(&shape.cols)) as f64
    };
    let parameter_entries: f64 = network.parameters.iter().map(|p| entries(p.leaf)).sum();
    let differenced: f64 = parameter_entries
        + derivation
            .signals
            .iter()
            .map(|s| entries(s.by))
            .sum::<f64>()
        + derivation
            .jacobians
            .iter()
            .map(|j| entries(j.by))
            .sum::<f64>();
    let count = CheckOptions::DIRECTIONS;
    if 4.0 * forward * differenced <= CheckOptions::BUDGET {
        Mode::Entrywise
    } else if 4.0 * forward * (count * derivation.gradients.len()) as f64 <= CheckOptions::BUDGET {
        Mode::PerParameter(count)
    } else {
        Mode::Joint(count)
    }
}

/// What one node of an evaluation costs beyond its arithmetic (allocation, bookkeeping), in
/// multiply-adds; measured on the homework nets and deep chains.
const NODE_OVERHEAD: f64 = 200.0;

/// Multiply-adds of one evaluation of ℓ: each node's entries, and rows × inner × columns for
/// each product of two factors.
fn forward_cost(derivation: &Derivation, sizes: &Sizes) -> f64 {
    let arena = &derivation.network.arena;
    let size = |id: ExprId| {
        let shape = arena.shape(id);
        (sizes.of(&shape.rows) as f64, sizes.of(&shape.cols) as f64)
    };
    // A flag per node, not a hash set: a deep chain's forward pass has tens of thousands.
    let mut seen = vec![false; arena.len()];
    let mut stack = vec![derivation.network.loss_value];
    let mut cost = 0.0;
    while let Some(id) = stack.pop() {
        if std::mem::replace(&mut seen[id.index()], true) {
            continue;
        }
        // Every node costs something to evaluate, however small its matrices.
        cost += NODE_OVERHEAD;
        match arena.node(id) {
            Node::Product(factors) => {
                for pair in factors.windows(2) {
                    let (rows, inner) = size(pair[0]);
                    let (_, cols) = size(pair[1]);
                    cost += rows * inner * cols;
                }
            }
            _ => {
                let (rows, cols) = size(id);
                cost += rows * cols;
            }
        }
        // A named node through its definition, as the evaluator goes.
        for_each_operand(arena, id, |operand| stack.push(operand));
    }
    cost
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::loss::{Loss, LossKind};

    /// bce on an unbounded output at ŷ = −2 is outside the loss's domain: log ŷ is NaN there and
    /// nearby, so nothing can be differenced, which is not a wrong formula.
    #[test]
    fn a_point_outside_the_domain_of_the_loss_is_not_checked() {
        // bce on an unbounded output at ŷ = −2, where log ŷ is NaN.
        let derivation = crate::derive_text("linear>identity", Loss::new(LossKind::Bce)).unwrap();
        let options = CheckOptions {
            seed: 0,
            sizes: Sizes::new(vec![("n".into(), 1), ("K".into(), 1)]),
            step: CheckOptions::DEFAULT_STEP,
            tolerance: CheckOptions::DEFAULT_TOLERANCE,
        };
        let one = |v: f64| Matrix::from_vec(1, 1, vec![v]);
        let inputs = Inputs::from([
            (Symbol::Input, one(1.0)),
            (Symbol::Target, one(0.5)),
            (Symbol::Weight(1), one(-2.0)),
            (Symbol::Bias(1), one(0.0)),
        ]);
        let report = PreparedCheck::at(&derivation, &options, &inputs).run();
        assert_eq!(report.verdict(), Verdict::Unchecked);
        let item = report
            .items
            .iter()
            .find(|i| i.symbol.text() == "∂ℓ/∂W⁽¹⁾")
            .expect("the gradient of W⁽¹⁾ is checked");
        assert!(!item.passed);
        assert_eq!(
            item.non_finite.as_deref(),
            Some("the finite differences give NaN")
        );
        assert_eq!(item.unchecked, Some(Unchecked::NotDifferentiable(None)));
        assert_eq!(item.error_text(), "n/a");
    }

    /// A formula that is NaN where nothing is saturated is wrong: ∂ℓ/∂b⁽¹⁾ of `linear>sigmoid`
    /// under mse replaced by 0 ⊘ 0 fails, where the right one passes.
    #[test]
    fn nan_where_nothing_is_saturated_is_a_failure_that_names_the_item() {
        let mut derivation =
            crate::derive_text("linear>sigmoid", Loss::new(LossKind::Mse)).unwrap();
        let options = CheckOptions {
            seed: 0,
            sizes: Sizes::new(vec![("n".into(), 1), ("K".into(), 1)]),
            step: CheckOptions::DEFAULT_STEP,
            tolerance: CheckOptions::DEFAULT_TOLERANCE,
        };
        let b = derivation
            .gradients
            .iter()
            .position(|g| g.symbol.text() == "∂ℓ/∂b⁽¹⁾")
            .unwrap();
        let arena = &mut derivation.network.arena;
        let y = derivation.network.y;
        let zero = arena.sub(y, y).unwrap();
        derivation.gradients[b].closed_form = arena.divide(zero, zero).unwrap();
        let report = check(&derivation, &options).unwrap();
        assert_eq!(report.verdict(), Verdict::Fail);
        let item = &report.items[2 * b + 1];
        assert_eq!(
            (item.symbol.text().as_str(), item.form),
            ("∂ℓ/∂b⁽¹⁾", Form::ClosedForm)
        );
        assert_eq!(item.non_finite.as_deref(), Some("the formula gives NaN"));
        assert_eq!(item.unchecked, None);
        assert_eq!(item.error_text(), "NaN");
    }

    #[test]
    fn a_finite_error_is_printed_in_scientific_notation() {
        let item = CheckItem {
            symbol: Symbol::Loss,
            form: Form::ClosedForm,
            method: Method::Entries,
            error: 3.14e-11,
            passed: true,
            non_finite: None,
            took: Took::default(),
            unchecked: None,
        };
        assert_eq!(item.error_text(), "3.1e-11");
    }
}
