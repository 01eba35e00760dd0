//! Scalar coefficients: a rational number divided by a product of dimensions and multiplied by
//! named constants, such as 2, −1, 1/K, 2/(KN) or λ/2. Kept exact so that the simplifier can
//! combine them and the printer can show them as a person writes them.

use crate::math::func::Param;
use crate::math::shape::Dim;

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Coef {
    /// Numerator; carries the sign.
    pub num: i64,
    /// Denominator, always positive.
    pub den: i64,
    /// Dimensions the value is divided by, sorted.
    pub over: Vec<Dim>,
    /// Named constants the value is multiplied by, sorted: printed by name, their values
    /// stated in the legend.
    pub by: Vec<Constant>,
}

/// A real constant that a formula writes by its name.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Constant {
    /// λ, the weight decay: the objective adds (λ/2) Σₖ ‖W⁽ᵏ⁾‖².
    WeightDecay(Param),
}

impl Constant {
    pub fn value(self) -> f64 {
        match self {
            Constant::WeightDecay(lambda) => lambda.get(),
        }
    }

    pub fn text(self) -> &'static str {
        match self {
            Constant::WeightDecay(_) => "λ",
        }
    }

    pub fn latex(self) -> &'static str {
        match self {
            Constant::WeightDecay(_) => "\\lambda",
        }
    }

    /// An order to keep `Coef::by` sorted in, so that equal coefficients compare equal.
    fn order(self) -> u64 {
        match self {
            Constant::WeightDecay(lambda) => lambda.get().to_bits(),
        }
    }
}

impl Coef {
    pub fn integer(value: i64) -> Coef {
        Coef {
            num: value,
            den: 1,
            over: Vec::new(),
            by: Vec::new(),
        }
    }

    /// The constant itself, as a coefficient.
    pub fn constant(constant: Constant) -> Coef {
        Coef {
            by: vec![constant],
            ..Coef::one()
        }
    }

    pub fn one() -> Coef {
        Coef::integer(1)
    }

    /// num / den in lowest terms (den positive): 1/2, 10/9.
    pub fn ratio(num: i64, den: i64) -> Coef {
        Coef::integer(num).times(&Coef { den, ..Coef::one() })
    }

    /// 1 / dim
    pub fn per(dim: Dim) -> Coef {
        Coef {
            over: vec![dim],
            ..Coef::one()
        }
    }

    /// A whole number, printed without a fraction.
    pub fn is_integer(&self) -> bool {
        self.den == 1 && self.over.is_empty() && self.by.is_empty()
    }

    pub fn is_one(&self) -> bool {
        self.num == 1 && self.is_integer()
    }

    pub fn is_negative(&self) -> bool {
        self.num < 0
    }

    pub fn negated(&self) -> Coef {
        Coef {
            num: -self.num,
            ..self.clone()
        }
    }

    pub fn times(&self, other: &Coef) -> Coef {
        let mut over = self.over.clone();
        over.extend(other.over.iter().cloned());
        over.sort();
        let num = self.num.saturating_mul(other.num);
        let den = self.den.saturating_mul(other.den);
        let g = gcd(num.unsigned_abs(), den.unsigned_abs()).max(1) as i64;
        let mut by = self.by.clone();
        by.extend(other.by.iter().copied());
        by.sort_by_key(|c| c.order());
        Coef {
            num: num / g,
            den: den / g,
            over,
            by,
        }
    }

    /// The value, given the size of each dimension.
    pub fn value(&self, size_of: impl Fn(&Dim) -> usize) -> f64 {
        let divisor: f64 = self.over.iter().map(|d| size_of(d) as f64).product();
        let factor: f64 = self.by.iter().map(|c| c.value()).product();
        factor * self.num as f64 / (self.den as f64 * divisor)
    }
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn products_reduce() {
        let half = Coef::ratio(1, 2);
        assert_eq!(Coef::ratio(10, 5), Coef::integer(2));
        assert_eq!((Coef::ratio(10, 9).num, Coef::ratio(10, 9).den), (10, 9));
        let c = Coef::integer(2)
            .times(&half)
            .times(&Coef::per(Dim::named("K")));
        assert_eq!(c, Coef::per(Dim::named("K")));
        assert_eq!(c.value(|_| 4), 0.25);
        assert!(Coef::integer(-1).times(&c).is_negative());
    }
}
