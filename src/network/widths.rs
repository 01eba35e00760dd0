//! The widths of a graph's values, found by unification: a linear node's output is a width of
//! its own, every other node's is its input's, and `+`, `-` and `.*` make their two operands'
//! one width. A weight of the model's own has two widths, its rows and its columns: `W*h` makes
//! its columns h's width and its rows the output's, `W'*h` the other way round, and a bias has
//! the width of the product it is added to. A width unified with an input's is that input's, n
//! (n1, n2, … for x1, x2, …); the output's is K; the others are d (one) or d1, d2, … in the order
//! their linear nodes are evaluated, as in a chain.

use crate::math::shape::Dim;
use crate::network::layer::LayerKind;
use crate::spec::{Operand, Spec};

/// The widths of a graph: each node's output's, each parameter of the model's own's (rows and
/// columns; a bias's columns are 1), each input's, and every width in order of appearance
/// (the inputs' first).
pub struct GraphWidths {
    pub inputs: Vec<Dim>,
    pub nodes: Vec<Dim>,
    pub own: Vec<(Dim, Dim)>,
    pub order: Vec<Dim>,
}

pub fn graph_widths(spec: &Spec) -> GraphWidths {
    // Width variables: the inputs' first, one each in `Spec::inputs` order, then one per linear
    // node and one or two per parameter of the model's own (rows, and columns for a weight).
    let inputs = spec.inputs();
    let mut parent: Vec<usize> = (0..inputs.len()).collect();
    fn fresh(parent: &mut Vec<usize>) -> usize {
        parent.push(parent.len());
        parent.len() - 1
    }
    let own: Vec<(usize, Option<usize>)> = spec
        .own
        .iter()
        .map(|p| {
            let rows = fresh(&mut parent);
            (rows, p.weight.then(|| fresh(&mut parent)))
        })
        .collect();
    fn root(parent: &mut [usize], mut v: usize) -> usize {
        while parent[v] != v {
            parent[v] = parent[parent[v]];
            v = parent[v];
        }
        v
    }
    fn unify(parent: &mut [usize], a: usize, b: usize) -> usize {
        let (ra, rb) = (root(parent, a), root(parent, b));
        // The older variable stays the root, so that n keeps its name.
        let (keep, join) = if ra <= rb { (ra, rb) } else { (rb, ra) };
        parent[join] = keep;
        keep
    }
    let mut width_of_node: Vec<usize> = Vec::with_capacity(spec.layers.len());
    for layer in &spec.layers {
        let operands = layer.operands.as_deref().unwrap_or(&[]);
        let of = |operand: &Operand, widths: &[usize]| match operand {
            Operand::Layer(i) => widths[*i],
            input => inputs
                .iter()
                .position(|i| i == input)
                .expect("every input is listed"),
        };
        let width = match layer.kind {
            LayerKind::Linear => fresh(&mut parent),
            LayerKind::Combine(_) => {
                let (a, b) = (
                    of(&operands[0], &width_of_node),
                    of(&operands[1], &width_of_node),
                );
                unify(&mut parent, a, b)
            }
            LayerKind::Affine(affine) => {
                let (rows, cols) = own[affine.weight];
                let cols = cols.expect("a weight has columns");
                let (takes, gives) = if affine.transposed {
                    (rows, cols)
                } else {
                    (cols, rows)
                };
                unify(&mut parent, takes, of(&operands[0], &width_of_node));
                if let Some(bias) = affine.bias {
                    unify(&mut parent, own[bias].0, gives);
                }
                root(&mut parent, gives)
            }
            _ => of(&operands[0], &width_of_node),
        };
        width_of_node.push(width);
    }
    let roots: Vec<usize> = width_of_node
        .iter()
        .map(|w| root(&mut parent, *w))
        .collect();
    let output = *roots.last().expect("a model has a node");
    // An input's class keeps its variable as root (the older one is kept), so a width unified
    // with an input's is that input's: n, or n1, n2, … after x1, x2, ….
    let is_input = |r: usize| r < inputs.len();
    // The hidden widths: every class other than the inputs' and the output's, in order of
    // appearance.
    let mut hidden: Vec<usize> = Vec::new();
    for r in &roots {
        if !is_input(*r) && *r != output && !hidden.contains(r) {
            hidden.push(*r);
        }
    }
    let name = |r: usize| {
        if is_input(r) {
            match inputs[r] {
                Operand::NumberedInput(k) => Dim::named(&format!("n{k}")),
                _ => Dim::named("n"),
            }
        } else if r == output {
            Dim::named("K")
        } else if hidden.len() == 1 {
            Dim::named("d")
        } else {
            let k = hidden.iter().position(|h| *h == r).expect("a hidden width") + 1;
            Dim::named(&format!("d{k}"))
        }
    };
    let nodes: Vec<Dim> = roots.iter().map(|r| name(*r)).collect();
    let mut order: Vec<Dim> = Vec::with_capacity(nodes.len() + inputs.len());
    for r in 0..inputs.len() {
        let dim = name(root(&mut parent, r));
        if !order.contains(&dim) {
            order.push(dim);
        }
    }
    for dim in &nodes {
        if !order.contains(dim) {
            order.push(dim.clone());
        }
    }
    let own = own
        .iter()
        .map(|(rows, cols)| {
            let rows = name(root(&mut parent, *rows));
            let cols = cols.map_or(Dim::One, |c| name(root(&mut parent, c)));
            (rows, cols)
        })
        .collect();
    let inputs = (0..inputs.len())
        .map(|r| name(root(&mut parent, r)))
        .collect();
    GraphWidths {
        inputs,
        nodes,
        own,
        order,
    }
}
