//! A tree printed as one Python expression over NumPy-like arrays.
//!
//! Each printed expression says how its array stands for the matrix the tree means (`Form`):
//! the matrix itself, or a smaller array that broadcasts to it. Products with a matrix of ones
//! are written as sums (𝟏ᵀA as `A.sum(axis=0)`, A𝟏𝟏ᵀ as `A.sum(axis=1, keepdims=True)`), a
//! product with diag(v) as a broadcast product (`A * v`), and 𝟏bᵀ as `b` itself: each exactly
//! the matrix, never materialised. A tree whose broadcast would have to be materialised (a
//! matrix of ones standing alone, a sum over a broadcast) is refused, never printed wrong.
//!
//! Transposes are pushed down as the tree is printed ((AB)ᵀ = BᵀAᵀ), so that a bias stored as a
//! 1-D array, as nn.Linear stores it, is printed as itself in 𝟏b⁽¹⁾ᵀ and its gradient comes out
//! 1-D.

use std::collections::BTreeSet;

use rustc_hash::{FxHashMap, FxHashSet};

use crate::math::coef::{Coef, Constant};
use crate::math::expr::{Arena, ExprId, Node};
use crate::math::func::Func;
use crate::math::shape::{Dim, Shape};
use crate::render::code::Framework;
use crate::render::code::functions::Helper;

/// How the array a Python expression evaluates to stands for the r×c matrix the tree means.
/// In every form, broadcasting the array to (r, c) by NumPy's rules (a 1-D array of length c
/// being a row (1, c)) gives the matrix exactly.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Form {
    /// A 2-D array of shape (r, c).
    Exact,
    /// A 1-D array of length c: the row itself (r = 1), or the row every row repeats.
    Flat,
    /// A 2-D array (1, c), the row every one of r > 1 rows repeats.
    Rows,
    /// A 2-D array (r, 1), the column every one of c > 1 columns repeats.
    Columns,
    /// A number every entry repeats.
    Scalar,
}

/// Python's binding strengths, loosest first, for the operators printed.
const ADD: u8 = 1;
const MUL: u8 = 2;
const UNARY: u8 = 3;
const ATOM: u8 = 4;

/// A printed expression: its code, how tightly it binds, and its form.
#[derive(Clone, Debug)]
pub struct Py {
    pub code: String,
    pub prec: u8,
    pub form: Form,
}

impl Py {
    fn atom(code: String, form: Form) -> Py {
        Py {
            code,
            prec: ATOM,
            form,
        }
    }

    /// The code, in parentheses unless it binds at least as tightly as `prec`.
    fn at(&self, prec: u8) -> String {
        if self.prec >= prec {
            self.code.clone()
        } else {
            format!("({})", self.code)
        }
    }
}

/// A tree the printer does not write, named for the message that refuses the spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unprintable(pub String);

type Printed = Result<Py, Unprintable>;

/// How a variable holds its value.
#[derive(Clone, Debug)]
pub struct Variable {
    pub name: String,
    pub holds: Holds,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Holds {
    /// The array has this form of the node's own orientation.
    Form(Form),
    /// A column parameter (b⁽ᵏ⁾, γ⁽ᵏ⁾, β⁽ᵏ⁾) stored 1-D, as PyTorch stores it: its transpose
    /// in the form `Flat`.
    FlatColumn,
}

/// Prints trees of one arena, knowing the variables defined so far.
pub struct Printer<'a> {
    arena: &'a Arena,
    framework: Framework,
    variables: FxHashMap<ExprId, Variable>,
    /// The helper functions the printed code calls.
    pub helpers: BTreeSet<Helper>,
    /// The dimensions the printed code divides by (N, K, …), which the function must define.
    pub dims: BTreeSet<Dim>,
    /// The variables the printed code reads.
    used: FxHashSet<ExprId>,
}

impl<'a> Printer<'a> {
    pub fn new(arena: &'a Arena, framework: Framework) -> Printer<'a> {
        Printer {
            arena,
            framework,
            variables: FxHashMap::default(),
            helpers: BTreeSet::new(),
            dims: BTreeSet::new(),
            used: FxHashSet::default(),
        }
    }

    /// Gives a node (a leaf or a named value) a variable.
    pub fn define(&mut self, id: ExprId, name: &str, holds: Holds) {
        let variable = Variable {
            name: name.to_string(),
            holds,
        };
        self.variables.insert(id, variable);
    }

    /// Starts the body of another function: what the code printed so far used is forgotten.
    pub fn start_function(&mut self) {
        self.dims.clear();
        self.used.clear();
    }

    /// The variables the body printed since `start_function` reads.
    pub fn used(&self) -> &FxHashSet<ExprId> {
        &self.used
    }

    /// The variables and the dimensions the function's body printed since `start_function`
    /// reads.
    pub fn finish_function(&mut self) -> (FxHashSet<ExprId>, BTreeSet<Dim>) {
        (
            std::mem::take(&mut self.used),
            std::mem::take(&mut self.dims),
        )
    }

    /// The expression for `id` (for its transpose with `transposed`).
    pub fn print(&mut self, id: ExprId, transposed: bool) -> Printed {
        let shape = self.shape(id, transposed);
        if let Some(variable) = self.variables.get(&id).cloned() {
            self.used.insert(id);
            return Ok(self.variable(&variable, transposed, &shape));
        }
        let printed = match self.arena.node(id).clone() {
            Node::Leaf(symbol) => {
                return Err(Unprintable(format!(
                    "{} (an input the code does not hold)",
                    symbol.text()
                )));
            }
            Node::Named(_) => {
                let symbol = &self.arena.named(id).expect("a named node").symbol;
                return Err(Unprintable(format!("{symbol} used before it is defined")));
            }
            Node::Identity(_) => return Err(Unprintable("an identity matrix".into())),
            Node::Ones(..) => Py::atom("1".into(), Form::Scalar),
            Node::Diag(_) => {
                return Err(Unprintable("a diagonal matrix outside a product".into()));
            }
            Node::Scale(coef, a) => {
                let inner = self.print(a, transposed)?;
                self.scale(&coef, inner)
            }
            Node::Add(a, b) => self.elementwise(a, b, transposed, " + ", ADD)?,
            Node::Sub(a, b) => self.elementwise(a, b, transposed, " - ", ADD)?,
            Node::Hadamard(a, b) => self.elementwise(a, b, transposed, " * ", MUL)?,
            Node::Divide(a, b) => self.elementwise(a, b, transposed, " / ", MUL)?,
            Node::Transpose(a) => self.print(a, !transposed)?,
            Node::Product(factors) => {
                let oriented: Vec<(ExprId, bool)> = if transposed {
                    factors.iter().rev().map(|&f| (f, true)).collect()
                } else {
                    factors.iter().map(|&f| (f, false)).collect()
                };
                self.product(&oriented)?
            }
            Node::Map(func, a) => self.map(func, a, transposed)?,
            Node::SquaredNorm(a) => {
                let whole = self.print_exact(a, false)?;
                let squares = format!("{} ** 2", whole.at(ATOM));
                let sum = self
                    .framework
                    .reduce(&format!("({squares})"), "sum", None, false);
                Py::atom(sum, Form::Scalar)
            }
            Node::Sum(a) => {
                let whole = self.print_exact(a, false)?;
                let sum = self.framework.reduce(&whole.at(ATOM), "sum", None, false);
                Py::atom(sum, Form::Scalar)
            }
        };
        Ok(normalized(printed, &shape))
    }

    /// The expression for `id` as a whole array of its shape.
    pub fn print_exact(&mut self, id: ExprId, transposed: bool) -> Printed {
        let shape = self.shape(id, transposed);
        let printed = self.print(id, transposed)?;
        exact(printed, &shape)
    }

    fn shape(&self, id: ExprId, transposed: bool) -> Shape {
        let shape = self.arena.shape(id);
        if transposed {
            shape.transposed()
        } else {
            shape.clone()
        }
    }

    fn variable(&self, variable: &Variable, transposed: bool, shape: &Shape) -> Py {
        let name = variable.name.clone();
        let printed = match (variable.holds, transposed) {
            (Holds::FlatColumn, true) => Py::atom(name, Form::Flat),
            (Holds::FlatColumn, false) => Py::atom(format!("{name}[:, None]"), Form::Exact),
            (Holds::Form(form), false) => Py::atom(name, form),
            (Holds::Form(form), true) => transpose(Py::atom(name, form)),
        };
        normalized(printed, shape)
    }

    /// c·a: the integer part before, the divisors after (`2 * a / (K * N)`), λ by name.
    fn scale(&mut self, coef: &Coef, inner: Py) -> Py {
        let mut factors: Vec<String> = Vec::new();
        if coef.num.unsigned_abs() != 1 {
            factors.push(coef.num.unsigned_abs().to_string());
        }
        for constant in &coef.by {
            match constant {
                Constant::WeightDecay(_) => factors.push("WEIGHT_DECAY".into()),
            }
        }
        let mut divisors: Vec<String> = Vec::new();
        if coef.den != 1 {
            divisors.push(coef.den.to_string());
        }
        for dim in &coef.over {
            self.dims.insert(dim.clone());
            divisors.push(dim.name().to_string());
        }
        let mut code = inner.clone();
        if !factors.is_empty() {
            code = Py {
                code: format!("{} * {}", factors.join(" * "), inner.at(MUL + 1)),
                prec: MUL,
                form: inner.form,
            };
        }
        if !divisors.is_empty() {
            let divisor = if divisors.len() == 1 {
                divisors[0].clone()
            } else {
                format!("({})", divisors.join(" * "))
            };
            code = Py {
                code: format!("{} / {divisor}", code.at(MUL)),
                prec: MUL,
                form: inner.form,
            };
        }
        if coef.is_negative() {
            code = Py {
                code: format!("-{}", code.at(UNARY)),
                prec: UNARY,
                form: inner.form,
            };
        }
        code
    }

    fn elementwise(
        &mut self,
        a: ExprId,
        b: ExprId,
        transposed: bool,
        operator: &str,
        prec: u8,
    ) -> Printed {
        let left = self.print(a, transposed)?;
        let right = self.print(b, transposed)?;
        Ok(Py {
            code: format!("{}{operator}{}", left.at(prec), right.at(prec + 1)),
            prec,
            form: merged(left.form, right.form),
        })
    }

    /// A matrix product, its factors each with whether it is transposed.
    fn product(&mut self, factors: &[(ExprId, bool)]) -> Printed {
        let (first, transposed) = factors[0];
        let rest = &factors[1..];
        if rest.is_empty() {
            return self.print(first, transposed);
        }
        // 𝟏A: every row the column sums of A; 𝟏rᵀ for a row r: every row r.
        if let Some((_, inner)) = self.ones(first, transposed) {
            let right = self.product(rest)?;
            let shape = self.product_shape(factors);
            if inner.is_one() {
                return Ok(normalized(
                    match right.form {
                        Form::Exact => Py {
                            form: Form::Rows,
                            ..right
                        },
                        _ => right,
                    },
                    &shape,
                ));
            }
            let right = exact(right, &self.product_shape(rest))?;
            let sum = self
                .framework
                .reduce(&right.at(ATOM), "sum", Some("0"), false);
            return Ok(normalized(Py::atom(sum, Form::Flat), &shape));
        }
        // diag(v)A: each row of A times an entry of v.
        if let Node::Diag(v) = *self.arena.node(first) {
            let column = self.vector_as(v, true)?;
            let right = self.product(rest)?;
            return Ok(Py {
                code: format!("{} * {}", column.at(MUL), right.at(MUL + 1)),
                prec: MUL,
                form: merged(column.form, right.form),
            });
        }
        let mut acc = self.print(first, transposed)?;
        let mut acc_shape = self.shape(first, transposed);
        for &(factor, transposed) in rest {
            let factor_shape = self.shape(factor, transposed);
            let shape = Shape::new(acc_shape.rows.clone(), factor_shape.cols.clone());
            acc = if let Some((inner, _)) = self.ones(factor, transposed) {
                // A𝟏𝟏ᵀ: every column the row sums of A; c𝟏ᵀ for a column c: every column c.
                if inner.is_one() {
                    match acc.form {
                        Form::Exact => Py {
                            form: Form::Columns,
                            ..acc
                        },
                        _ => return Err(broadcast_refusal()),
                    }
                } else {
                    let whole = exact(acc, &acc_shape)?;
                    let sum = self
                        .framework
                        .reduce(&whole.at(ATOM), "sum", Some("1"), true);
                    Py::atom(sum, Form::Columns)
                }
            } else if let Node::Diag(v) = *self.arena.node(factor) {
                // A diag(v): each column of A times an entry of v.
                let row = self.vector_as(v, false)?;
                Py {
                    code: format!("{} * {}", acc.at(MUL), row.at(MUL + 1)),
                    prec: MUL,
                    form: merged(acc.form, row.form),
                }
            } else {
                let right = self.print_exact(factor, transposed)?;
                let form = match acc.form {
                    Form::Exact | Form::Flat | Form::Rows => acc.form,
                    Form::Columns | Form::Scalar => return Err(broadcast_refusal()),
                };
                Py {
                    code: format!("{} @ {}", acc.at(MUL), right.at(MUL + 1)),
                    prec: MUL,
                    form,
                }
            };
            acc = normalized(acc, &shape);
            acc_shape = shape;
        }
        Ok(acc)
    }

    fn product_shape(&self, factors: &[(ExprId, bool)]) -> Shape {
        let (first, t) = factors[0];
        let (last, u) = factors[factors.len() - 1];
        Shape::new(self.shape(first, t).rows, self.shape(last, u).cols)
    }

    /// The sides of a matrix of ones, as oriented.
    fn ones(&self, id: ExprId, transposed: bool) -> Option<(Dim, Dim)> {
        match self.arena.node(id) {
            Node::Ones(rows, cols) if transposed => Some((cols.clone(), rows.clone())),
            Node::Ones(rows, cols) => Some((rows.clone(), cols.clone())),
            Node::Transpose(a) => self.ones(*a, !transposed),
            _ => None,
        }
    }

    /// The vector of a diag(v) as a column (`column`, an exact (k, 1) array) or as a row.
    fn vector_as(&mut self, v: ExprId, column: bool) -> Printed {
        let is_column = self.arena.shape(v).is_column();
        let printed = self.print(v, is_column != column)?;
        if column {
            exact(printed, &Shape::column(self.shape(v, false).rows))
        } else {
            Ok(printed)
        }
    }

    fn map(&mut self, func: Func, a: ExprId, transposed: bool) -> Printed {
        if !func.is_elementwise() {
            // Softmax acts on whole rows or columns: applied to the array as it is, and the
            // result transposed if the transpose is wanted.
            let argument = self.print_exact(a, false)?;
            let axis = if func.acts_on_rows() { 1 } else { 0 };
            let helper = if func.is_softmax() {
                Helper::Softmax
            } else {
                Helper::LogSoftmax
            };
            self.use_helper(helper);
            let applied = Py::atom(
                format!("{}({}, axis={axis})", helper.name(), argument.code),
                Form::Exact,
            );
            return Ok(if transposed {
                transpose(applied)
            } else {
                applied
            });
        }
        let argument = self.print(a, transposed)?;
        let form = argument.form;
        let ns = self.framework.namespace();
        let code = match func {
            Func::Tanh => format!("{ns}.tanh({})", argument.code),
            Func::Log => format!("{ns}.log({})", argument.code),
            Func::Exp => format!("{ns}.exp({})", argument.code),
            Func::Abs => format!("{ns}.abs({})", argument.code),
            Func::Sign => format!("{ns}.sign({})", argument.code),
            Func::SqrtPlus(epsilon) => {
                format!(
                    "{ns}.sqrt({} + {})",
                    argument.at(ADD),
                    number(epsilon.get())
                )
            }
            other => {
                let (helper, parameter) = Helper::of(other);
                self.use_helper(helper);
                match parameter {
                    Some(p) => format!("{}({}, {})", helper.name(), argument.code, number(p)),
                    None => format!("{}({})", helper.name(), argument.code),
                }
            }
        };
        Ok(Py::atom(code, form))
    }

    fn use_helper(&mut self, helper: Helper) {
        self.helpers.insert(helper);
        self.helpers.extend(helper.needs().iter().copied());
    }
}

/// A float as Python reads it back exactly: `0.01`, `1.0`, `1e-05`.
pub fn number(value: f64) -> String {
    format!("{value:?}")
}

fn broadcast_refusal() -> Unprintable {
    Unprintable("a product with a broadcast operand".into())
}

/// The form two broadcast operands of one elementwise operation give, by NumPy's rules.
fn merged(a: Form, b: Form) -> Form {
    use Form::*;
    match (a, b) {
        (Scalar, other) | (other, Scalar) => other,
        (Exact, _) | (_, Exact) => Exact,
        (Columns, Columns) => Columns,
        (Columns, _) | (_, Columns) => Exact,
        (Flat, Flat) => Flat,
        _ => Rows,
    }
}

/// The transpose of a printed expression.
fn transpose(printed: Py) -> Py {
    match printed.form {
        Form::Exact => Py::atom(format!("{}.T", printed.at(ATOM)), Form::Exact),
        // (c,) to (c, 1): the column itself, or the column every column repeats.
        Form::Flat => Py::atom(format!("{}[:, None]", printed.at(ATOM)), Form::Columns),
        Form::Rows => Py::atom(format!("{}.T", printed.at(ATOM)), Form::Columns),
        Form::Columns => Py::atom(format!("{}.T", printed.at(ATOM)), Form::Rows),
        Form::Scalar => printed,
    }
}

/// A form that says more than the shape needs said back to the plain one: a column that
/// repeats once is the column.
fn normalized(printed: Py, shape: &Shape) -> Py {
    let form = match printed.form {
        Form::Columns if shape.cols.is_one() => Form::Exact,
        Form::Rows if shape.rows.is_one() => Form::Exact,
        form => form,
    };
    Py { form, ..printed }
}

/// The expression as an exact 2-D array of its shape, or refused where that needs a broadcast
/// materialised.
fn exact(printed: Py, shape: &Shape) -> Printed {
    match printed.form {
        Form::Exact => Ok(printed),
        Form::Flat if shape.rows.is_one() => Ok(Py::atom(
            format!("{}[None, :]", printed.at(ATOM)),
            Form::Exact,
        )),
        _ => Err(Unprintable(
            "a broadcast value where the whole matrix is needed".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::symbol::Symbol;

    /// An arena with A (N×d), b (d×1, stored 1-D) and the printer knowing both.
    fn setup() -> (Arena, ExprId, ExprId) {
        let mut arena = Arena::new();
        let (n, d) = (Dim::named("N"), Dim::named("d"));
        let a = arena.leaf(Symbol::Input, Shape::new(n, d.clone()));
        let b = arena.leaf(Symbol::Bias(1), Shape::column(d));
        (arena, a, b)
    }

    fn printed(arena: &Arena, a: ExprId, b: ExprId, id: ExprId, transposed: bool) -> Printed {
        let mut printer = Printer::new(arena, Framework::Numpy);
        printer.define(a, "a", Holds::Form(Form::Exact));
        printer.define(b, "b", Holds::FlatColumn);
        printer.print(id, transposed)
    }

    #[test]
    fn products_with_ones_are_sums_and_broadcasts() {
        let (mut arena, a, b) = setup();
        let ones_n = arena.ones(Dim::named("N"));
        let ones_d = arena.ones(Dim::named("d"));
        let ones_n_row = arena.transpose(ones_n);
        let ones_d_row = arena.transpose(ones_d);
        let a_t = arena.transpose(a);
        let b_t = arena.transpose(b);
        let column_sums = arena.matmul(a_t, ones_n).unwrap(); // Aᵀ𝟏, d×1
        let broadcast_bias = arena.matmul(ones_n, b_t).unwrap(); // 𝟏bᵀ, N×d
        let row_sums = arena.product(&[a, ones_d, ones_d_row]).unwrap(); // A𝟏𝟏ᵀ
        let sums_down = arena.product(&[ones_n, ones_n_row, a]).unwrap(); // 𝟏𝟏ᵀA
        for (id, transposed, code, form) in [
            (column_sums, true, "a.sum(axis=0)", Form::Flat),
            (
                column_sums,
                false,
                "a.T.sum(axis=1, keepdims=True)",
                Form::Exact,
            ),
            (broadcast_bias, false, "b", Form::Flat),
            (
                row_sums,
                false,
                "a.sum(axis=1, keepdims=True)",
                Form::Columns,
            ),
            (sums_down, false, "a.sum(axis=0)", Form::Flat),
        ] {
            let p = printed(&arena, a, b, id, transposed).unwrap();
            assert_eq!((p.code.as_str(), p.form), (code, form));
        }
    }

    #[test]
    fn a_product_with_diag_is_a_broadcast_product() {
        let (mut arena, a, b) = setup();
        let diag = arena.diag(b).unwrap();
        let scaled = arena.matmul(a, diag).unwrap(); // A diag(b)
        let p = printed(&arena, a, b, scaled, false).unwrap();
        assert_eq!((p.code.as_str(), p.form), ("a * b", Form::Exact));
        let scaled_t = arena.transpose(scaled); // diag(b) Aᵀ
        let p = printed(&arena, a, b, scaled_t, false).unwrap();
        assert_eq!((p.code.as_str(), p.form), ("b[:, None] * a.T", Form::Exact));
    }

    #[test]
    fn what_would_need_a_broadcast_materialised_is_refused() {
        let (mut arena, a, b) = setup();
        let ones = arena.ones_shaped(arena.shape(a).clone());
        let total = arena.sum(ones); // Σ of an N×d matrix of ones: N·d, not 1
        assert!(printed(&arena, a, b, total, false).is_err());
        let identity = arena.identity(Dim::named("d"));
        assert!(printed(&arena, a, b, identity, false).is_err());
    }

    #[test]
    fn coefficients_divide_by_the_dimensions() {
        let (mut arena, a, b) = setup();
        let coef = Coef::integer(-2).times(&Coef::per(Dim::named("N")));
        let scaled = arena.scale(coef, a);
        let p = printed(&arena, a, b, scaled, false).unwrap();
        assert_eq!(p.code, "-(2 * a / N)");
    }
}
