//! Scalar coefficients: a rational number divided by a product of dimensions, such as 2, −1,
//! 1/K or 2/(KN). Kept exact so that the simplifier can combine them and the printer can show
//! them as a person writes them.

use crate::math::shape::Dim;

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Coef {
    /// Numerator; carries the sign.
    pub num: i64,
    /// Denominator, always positive.
    pub den: i64,
    /// Dimensions the value is divided by, sorted.
    pub over: Vec<Dim>,
}

impl Coef {
    pub fn integer(value: i64) -> Coef {
        Coef {
            num: value,
            den: 1,
            over: Vec::new(),
        }
    }

    pub fn one() -> Coef {
        Coef::integer(1)
    }

    /// 1 / dim
    pub fn per(dim: Dim) -> Coef {
        Coef {
            num: 1,
            den: 1,
            over: vec![dim],
        }
    }

    /// A whole number, printed without a fraction.
    pub fn is_integer(&self) -> bool {
        self.den == 1 && self.over.is_empty()
    }

    pub fn is_one(&self) -> bool {
        self.num == 1 && self.den == 1 && self.over.is_empty()
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
        Coef {
            num: num / g,
            den: den / g,
            over,
        }
    }

    /// The value, given the size of each dimension.
    pub fn value(&self, size_of: impl Fn(&Dim) -> usize) -> f64 {
        let divisor: f64 = self.over.iter().map(|d| size_of(d) as f64).product();
        self.num as f64 / (self.den as f64 * divisor)
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
        let half = Coef {
            num: 1,
            den: 2,
            over: vec![],
        };
        let c = Coef::integer(2)
            .times(&half)
            .times(&Coef::per(Dim::named("K")));
        assert_eq!(c, Coef::per(Dim::named("K")));
        assert_eq!(c.value(|_| 4), 0.25);
        assert!(Coef::integer(-1).times(&c).is_negative());
    }
}
