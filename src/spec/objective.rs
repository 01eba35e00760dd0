//! The objective a model writes as its last binding, `loss = ce(yhat, y) + 0.01*(sumsq(W1) +
//! sumsq(W2))` (or `ℓ = …`): one loss of the output and y, with a factor or not, plus penalties
//! c‖P‖²_F on parameters. Constants distribute over sums, so the objective is read as a sum of
//! constants times terms; each constant is kept exact, as the ratio its decimals write (0.01 is
//! 1/100), so that the gradient's 2c is exact too.

use pest::iterators::Pair;

use crate::error::SpecError;
use crate::math::coef::Coef;
use crate::math::symbol::Symbol;
use crate::network::loss::Loss;
use crate::spec::model::Rule;
use crate::spec::suggest::{did_you_mean, shorten};

/// What the objective is: its loss (with the factor in front of it as `Loss::scale`) and its
/// penalties, one per parameter, in the order they are first written.
#[derive(Clone, Debug, PartialEq)]
pub struct Objective {
    pub loss: Loss,
    pub penalties: Vec<Penalty>,
    /// Where the objective's expression stands in the text.
    pub span: (usize, usize),
}

/// c‖P‖²_F, `c*sumsq(P)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Penalty {
    pub parameter: Symbol,
    pub coefficient: Coef,
}

/// What the reader knows of the model when it reaches the objective.
pub struct Model<'m> {
    pub text: &'m str,
    /// The output's binding, which the loss must take.
    pub output: &'m str,
    /// Every parameter the model has, by the name a model writes it with (W1, b1, gamma1, …,
    /// and its own).
    pub parameters: Vec<(String, Symbol)>,
}

/// One term of the objective, before the constants in front of it are multiplied out.
#[derive(Clone)]
enum Term {
    /// A number alone.
    Constant,
    Loss(Loss, (usize, usize)),
    SquaredNorm(Symbol),
}

type Terms = Vec<(Coef, Term)>;

pub fn read_objective(model: &Model, expression: Pair<Rule>) -> Result<Objective, SpecError> {
    let span = span_of(&expression);
    let terms = model.terms(expression)?;
    let mut loss: Option<(Loss, (usize, usize))> = None;
    let mut penalties: Vec<Penalty> = Vec::new();
    for (coefficient, term) in terms {
        match term {
            Term::Constant => {
                return Err(model.error(
                    span,
                    "the objective adds a constant, which changes no gradient".into(),
                    "a loss of the output and penalties such as `0.01*sumsq(W1)`, without the constant".into(),
                ));
            }
            Term::Loss(_, at) if loss.is_some() => {
                return Err(model.error(
                    at,
                    "the objective has a second loss of the output".into(),
                    "one loss of the output, as `ce(yhat, y)`, plus penalties".into(),
                ));
            }
            Term::Loss(mut taken, at) => {
                if coefficient.num == 0 {
                    return Err(model.error(
                        at,
                        "the loss is multiplied by 0, so nothing is learnt from the data".into(),
                        "a factor other than 0, or none".into(),
                    ));
                }
                taken.scale = (coefficient.num, coefficient.den);
                loss = Some((taken, at));
            }
            Term::SquaredNorm(parameter) => {
                match penalties.iter_mut().find(|p| p.parameter == parameter) {
                    Some(penalty) => {
                        penalty.coefficient = plus(&penalty.coefficient, &coefficient)
                            .ok_or_else(|| model.too_fine(span))?;
                    }
                    None => penalties.push(Penalty {
                        parameter,
                        coefficient,
                    }),
                }
            }
        }
    }
    let Some((loss, _)) = loss else {
        return Err(model.error(
            span,
            "the objective has no loss of the output".into(),
            format!("a loss of the output and y, as `mse({}, y)`", model.output),
        ));
    };
    penalties.retain(|p| p.coefficient.num != 0);
    Ok(Objective {
        loss,
        penalties,
        span,
    })
}

impl Model<'_> {
    fn error(&self, span: (usize, usize), message: String, expected: String) -> SpecError {
        SpecError::at(self.text, span, message, expected)
    }

    fn too_fine(&self, span: (usize, usize)) -> SpecError {
        self.error(
            span,
            "the objective's constants multiply out to a ratio derive does not keep exact".into(),
            "constants whose products and sums need at most 15 digits".into(),
        )
    }

    /// The terms an expression adds up, each with the constant in front of it.
    fn terms(&self, pair: Pair<Rule>) -> Result<Terms, SpecError> {
        match pair.as_rule() {
            Rule::expression => {
                let mut inner = pair.into_inner();
                let mut terms = self.terms(inner.next().expect("a term"))?;
                while let Some(operator) = inner.next() {
                    if operator.as_str() == "-" {
                        return Err(self.error(
                            span_of(&operator),
                            "the objective subtracts a term".into(),
                            "`+`: the objective is a loss plus penalties, each with a factor"
                                .into(),
                        ));
                    }
                    terms.extend(self.terms(inner.next().expect("a term after `+`"))?);
                }
                Ok(terms)
            }
            Rule::term => {
                let mut inner = pair.into_inner();
                let mut terms = self.terms(inner.next().expect("a factor"))?;
                while let Some(operator) = inner.next() {
                    if operator.as_str() != "*" {
                        return Err(self.error(
                            span_of(&operator),
                            format!("the objective takes `{}`", operator.as_str()),
                            "`*` between a constant and a term, as `0.01*sumsq(W1)`".into(),
                        ));
                    }
                    let right_pair = inner.next().expect("a factor after `*`");
                    let right_span = span_of(&right_pair);
                    let right = self.terms(right_pair)?;
                    let product = match (constant(&terms), constant(&right)) {
                        (Some(c), _) => scaled(right, &c),
                        (_, Some(c)) => scaled(terms, &c),
                        _ => {
                            return Err(self.error(
                                right_span,
                                "the objective multiplies two terms that are not constants".into(),
                                "a constant times a loss or a penalty, as `0.01*sumsq(W1)`".into(),
                            ));
                        }
                    };
                    terms = product.ok_or_else(|| self.too_fine(right_span))?;
                }
                Ok(terms)
            }
            Rule::factor => {
                let mut inner = pair.into_inner();
                let primary = inner.next().expect("a primary");
                if let Some(transpose) = inner.next() {
                    return Err(self.error(
                        span_of(&transpose),
                        "the objective transposes a number".into(),
                        "the term without `'`".into(),
                    ));
                }
                self.terms(primary)
            }
            Rule::group => self.terms(pair.into_inner().next().expect("an expression")),
            Rule::number => {
                let span = span_of(&pair);
                let coefficient = exact(pair.as_str()).ok_or_else(|| {
                    self.error(
                        span,
                        format!("`{}` is not a constant derive keeps exact", pair.as_str()),
                        "a decimal whose ratio needs at most 15 digits above and below, as 0.01 or 5e-4"
                            .into(),
                    )
                })?;
                Ok(vec![(coefficient, Term::Constant)])
            }
            Rule::name => {
                let name = pair.as_str();
                let span = span_of(&pair);
                let expected = if self.parameters.iter().any(|(p, _)| p == name) {
                    format!("`sumsq({name})`, the squared norm of the parameter")
                } else {
                    format!("a loss of it, as `mse({name}, y)`")
                };
                Err(self.error(
                    span,
                    format!(
                        "`{}` is not a number: the objective is a scalar",
                        shorten(name)
                    ),
                    expected,
                ))
            }
            Rule::call => self.call(pair),
            other => unreachable!("no objective is a {other:?}"),
        }
    }

    /// `mse(yhat, y)`, `huber(yhat, y, 0.5)` or `sumsq(W1)`.
    fn call(&self, pair: Pair<Rule>) -> Result<Terms, SpecError> {
        let span = span_of(&pair);
        let mut inner = pair.into_inner();
        let name_pair = inner.next().expect("a call starts with its name");
        let name = name_pair.as_str();
        let arguments: Vec<Pair<Rule>> =
            inner.filter(|p| p.as_rule() == Rule::expression).collect();
        if name == "sumsq" {
            let [argument] = &arguments[..] else {
                return Err(self.error(
                    span,
                    format!(
                        "`sumsq` takes one parameter; here it takes {}",
                        arguments.len()
                    ),
                    "a parameter, as `sumsq(W1)`".into(),
                ));
            };
            let parameter = self.parameter(argument)?;
            return Ok(vec![(Coef::one(), Term::SquaredNorm(parameter))]);
        }
        let name_span = span_of(&name_pair);
        let (value, target, number) = match &arguments[..] {
            [value, target] => (value, target, None),
            [value, target, number] => (value, target, Some(number)),
            _ => {
                return Err(self.error(
                    span,
                    format!(
                        "`{name}` takes the output and y (and a loss's number, as huber's δ); here it takes {} arguments",
                        arguments.len()
                    ),
                    format!("`{name}({}, y)`", self.output),
                ));
            }
        };
        let written = match number {
            Some(number) => format!("{name}({})", number.as_str().trim()),
            None => name.to_string(),
        };
        let loss = Loss::from_name(&written).map_err(|message| {
            if let (Some(number), Ok(named)) = (number, Loss::from_name(name)) {
                // The loss is one; its number is not.
                return match named.kind.definition().argument {
                    Some(_) => self.error(
                        span_of(number),
                        message,
                        format!("the number `{name}` takes"),
                    ),
                    None => self.error(
                        span_of(number),
                        format!("`{name}` takes no number"),
                        format!("`{name}({}, y)`", self.output),
                    ),
                };
            }
            let mut error = self.error(
                name_span,
                format!("`{}` is not a loss", shorten(name)),
                "a loss, as `mse`, `bce`, `ce`, `nll`, or `sumsq` of a parameter".into(),
            );
            error.help = Some(message);
            error
        })?;
        if value.as_str().trim() != self.output {
            return Err(self.error(
                span_of(value),
                format!(
                    "the loss takes `{}`, but the model's output is `{}`",
                    shorten(value.as_str().trim()),
                    self.output
                ),
                format!("`{}`, the last binding before the objective", self.output),
            ));
        }
        if target.as_str().trim() != "y" {
            return Err(self.error(
                span_of(target),
                format!(
                    "the loss compares the output with `{}`",
                    shorten(target.as_str().trim())
                ),
                "y, the target".into(),
            ));
        }
        Ok(vec![(Coef::one(), Term::Loss(loss, span))])
    }

    /// The parameter `sumsq` takes: W1, b1, gamma1, beta1, or one of the model's own.
    fn parameter(&self, argument: &Pair<Rule>) -> Result<Symbol, SpecError> {
        let name = argument.as_str().trim();
        if let Some((_, symbol)) = self.parameters.iter().find(|(p, _)| p == name) {
            return Ok(symbol.clone());
        }
        let names: Vec<&str> = self.parameters.iter().map(|(p, _)| p.as_str()).collect();
        let mut error = self.error(
            span_of(argument),
            format!("`{}` is not a parameter of the model", shorten(name)),
            format!("one of its parameters: {}", names.join(", ")),
        );
        error.help = did_you_mean(name, &names).map(|near| format!("did you mean `{near}`?"));
        Err(error)
    }
}

/// a + b and a·b for the exact ratios the objective's constants are, `None` past 10¹⁵ (where
/// `Coef`'s own arithmetic would saturate).
fn plus(a: &Coef, b: &Coef) -> Option<Coef> {
    let (a_num, a_den, b_num, b_den) = (a.num as i128, a.den as i128, b.num as i128, b.den as i128);
    reduced(a_num * b_den + b_num * a_den, a_den * b_den)
}

fn times(a: &Coef, b: &Coef) -> Option<Coef> {
    reduced(a.num as i128 * b.num as i128, a.den as i128 * b.den as i128)
}

fn reduced(num: i128, den: i128) -> Option<Coef> {
    let g = gcd(num.abs(), den).max(1);
    let (num, den) = (num / g, den / g);
    (num.abs() <= LIMIT && den <= LIMIT).then(|| Coef::ratio(num as i64, den as i64))
}

/// The largest numerator or denominator an objective's constant may have.
const LIMIT: i128 = 1_000_000_000_000_000;

/// The constant a list of terms is, if it is one alone.
fn constant(terms: &Terms) -> Option<Coef> {
    match &terms[..] {
        [(c, Term::Constant)] => Some(c.clone()),
        _ => None,
    }
}

fn scaled(terms: Terms, by: &Coef) -> Option<Terms> {
    terms
        .into_iter()
        .map(|(c, term)| Some((times(&c, by)?, term)))
        .collect()
}

fn span_of(pair: &Pair<Rule>) -> (usize, usize) {
    (pair.as_span().start(), pair.as_span().end())
}

/// A decimal literal as the exact ratio it writes: 0.01 is 1/100, 5e-4 is 1/2000; `None` where
/// the numerator or denominator would pass 10¹⁵.
pub(crate) fn exact(literal: &str) -> Option<Coef> {
    let (mantissa, exponent) = match literal.find(['e', 'E']) {
        Some(at) => (&literal[..at], literal[at + 1..].parse::<i32>().ok()?),
        None => (literal, 0),
    };
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, mantissa.strip_prefix('+').unwrap_or(mantissa)),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = format!("{whole}{fraction}");
    let digits = digits.trim_start_matches('0');
    if digits.len() > 15 {
        return None;
    }
    let mut num: i128 = if digits.is_empty() {
        0
    } else {
        digits.parse().ok()?
    };
    let mut den: i128 = 1;
    let shift = exponent - fraction.len() as i32;
    for _ in 0..shift.unsigned_abs() {
        if shift > 0 {
            num = num.checked_mul(10)?;
        } else {
            den = den.checked_mul(10)?;
        }
        if num > LIMIT * 10 || den > LIMIT * 10 {
            return None;
        }
    }
    reduced(sign * num, den)
}

fn gcd(a: i128, b: i128) -> i128 {
    if b == 0 { a } else { gcd(b, a % b) }
}

#[cfg(test)]
mod tests {
    use super::exact;
    use crate::math::coef::Coef;

    #[test]
    fn decimals_are_read_as_exact_ratios() {
        assert_eq!(exact("0.01"), Some(Coef::ratio(1, 100)));
        assert_eq!(exact("5e-4"), Some(Coef::ratio(1, 2000)));
        assert_eq!(exact("0.5"), Some(Coef::ratio(1, 2)));
        assert_eq!(exact("2"), Some(Coef::integer(2)));
        assert_eq!(exact("-1.25"), Some(Coef::ratio(-5, 4)));
        assert_eq!(exact("1.5E2"), Some(Coef::integer(150)));
        assert_eq!(exact("0"), Some(Coef::integer(0)));
        assert_eq!(exact("1e-40"), None);
        assert_eq!(exact("0.1234567890123456789"), None);
    }
}
