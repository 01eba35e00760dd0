//! The widths of a graph's values, found by unification: a linear node's output is a width of
//! its own, every other node's is its input's, and `+`, `-` and `.*` make their two operands'
//! one width. A width unified with the input's is n; the output's is K; the others are d (one) or
//! d1, d2, … in the order their linear nodes are evaluated, as in a chain.

use crate::math::shape::Dim;
use crate::network::layer::LayerKind;
use crate::spec::{Operand, Spec};

/// The width of each node's output, and every width in order of appearance (n first).
pub fn graph_widths(spec: &Spec) -> (Vec<Dim>, Vec<Dim>) {
    // Width variables: 0 is the input's, then one per linear node.
    let mut parent: Vec<usize> = vec![0];
    fn root(parent: &mut [usize], mut v: usize) -> usize {
        while parent[v] != v {
            parent[v] = parent[parent[v]];
            v = parent[v];
        }
        v
    }
    let mut width_of_node: Vec<usize> = Vec::with_capacity(spec.layers.len());
    for layer in &spec.layers {
        let operands = layer.operands.as_deref().unwrap_or(&[]);
        let of = |operand: &Operand, widths: &[usize]| match operand {
            Operand::Input => 0,
            Operand::Layer(i) => widths[*i],
        };
        let width = match layer.kind {
            LayerKind::Linear => {
                parent.push(parent.len());
                parent.len() - 1
            }
            LayerKind::Combine(_) => {
                let (a, b) = (
                    of(&operands[0], &width_of_node),
                    of(&operands[1], &width_of_node),
                );
                let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
                // The older variable stays the root, so that n keeps its name.
                let (keep, join) = if ra <= rb { (ra, rb) } else { (rb, ra) };
                parent[join] = keep;
                keep
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
    // The hidden widths: every class other than n's and the output's, in order of appearance.
    let mut hidden: Vec<usize> = Vec::new();
    for r in &roots {
        if *r != 0 && *r != output && !hidden.contains(r) {
            hidden.push(*r);
        }
    }
    let name = |r: usize| {
        if r == 0 {
            Dim::named("n")
        } else if r == output {
            Dim::named("K")
        } else if hidden.len() == 1 {
            Dim::named("d")
        } else {
            let k = hidden.iter().position(|h| *h == r).expect("a hidden width") + 1;
            Dim::named(&format!("d{k}"))
        }
    };
    let widths = roots.iter().map(|r| name(*r)).collect();
    let mut order = vec![Dim::named("n")];
    for r in &roots {
        let dim = name(*r);
        if !order.contains(&dim) {
            order.push(dim);
        }
    }
    (widths, order)
}
