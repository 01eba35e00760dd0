//! A point to evaluate at, read from JSON: `{"x": [...], "y": [...], "W1": [[row], ...],
//! "b1": [...], ...}`. Matrices are lists of rows, vectors lists of entries (or of one-entry
//! rows). The sizes of the dimensions come from the values, and must agree between keys.
//!
//! Every problem is reported with the key it is in: not JSON, a missing or unknown key, a
//! ragged matrix, a size that disagrees with another key's, an entry that is not a finite
//! number, a bce target outside [0, 1], a key given twice.

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::{Map, Value};

use crate::math::shape::Dim;
use crate::math::symbol::Symbol;
use crate::network::Network;
use crate::network::loss::{Loss, TargetDomain};
use crate::numeric::evaluator::Inputs;
use crate::numeric::matrix::Matrix;
use crate::numeric::sizes::Sizes;

#[derive(Clone, Debug)]
pub struct Point {
    pub sizes: Sizes,
    pub inputs: Inputs<f64>,
}

/// The leaves a point gives values to, in the order they are checked: x, the parameters, y.
/// What fixed the size of a dimension first: the key and which of its sides.
struct Seen {
    size: usize,
    key: String,
    side: String,
}

/// Parses and checks the text of a point file; the message names the key and the problem.
pub fn parse_point(text: &str, network: &Network) -> Result<Point, String> {
    // Editors on Windows may begin a UTF-8 file with a byte-order mark; it is not JSON.
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let leaves = network.inputs();
    let keys: Vec<String> = leaves.iter().map(|(s, _)| s.key()).collect();
    let object = match serde_json::from_str::<Object>(text) {
        Ok(Object {
            duplicate: Some(key),
            ..
        }) => {
            return Err(format!(
                "the key `{key}` is given twice; give each key once"
            ));
        }
        Ok(Object { entries, .. }) => entries,
        Err(e) if e.is_data() => {
            return Err(format!(
                "the point must be a JSON object with the keys {}",
                keys.join(", ")
            ));
        }
        Err(e) => return Err(format!("the point is not valid JSON: {e}")),
    };
    if let Some(unknown) = object.keys().find(|k| !keys.contains(k)) {
        return Err(format!(
            "unknown key `{unknown}`; this network's keys are {}",
            keys.join(", ")
        ));
    }
    let arena = &network.arena;
    let mut seen: Vec<(Dim, Seen)> = Vec::new();
    let mut inputs = Inputs::new();
    for (symbol, leaf) in &leaves {
        let key = symbol.key();
        // A file lays x, y, the biases and masks out as the columns convention reads them in
        // every convention (a batch one list per sample, which is `X.tolist()` for samples as
        // rows), and a weight as the convention stores it; a value the convention transposes
        // is read in the columns layout and transposed after.
        let flips = network.convention.flips_leaf(symbol);
        let as_stored = symbol.is_weight();
        let read_flipped = flips && !as_stored;
        let transposed_shape;
        let shape = if read_flipped {
            transposed_shape = arena.shape(*leaf).transposed();
            &transposed_shape
        } else {
            arena.shape(*leaf)
        };
        let Some(value) = object.get(&key) else {
            let what = if shape.is_column() {
                format!("a list of {} entries", shape.rows.name())
            } else {
                format!(
                    "a list of {} rows of {} entries",
                    shape.rows.name(),
                    shape.cols.name()
                )
            };
            let what = if symbol.is_mask() {
                format!("a dropout mask: {what}, each 0 or 1")
            } else {
                what
            };
            return Err(format!("missing key `{key}` ({what})"));
        };
        // A mini-batch's X and Y are given one list per sample: the columns of the matrix.
        let per_sample = matches!(symbol, Symbol::Samples(_));
        let matrix = if per_sample {
            matrix(&key, value)?.transpose()
        } else if shape.is_column() {
            vector(&key, value)?
        } else {
            matrix(&key, value)?
        };
        let mut sides = vec![(
            shape.rows.clone(),
            matrix.rows,
            if per_sample {
                "entries per sample"
            } else if shape.is_column() {
                "entries"
            } else {
                "rows"
            },
        )];
        if !shape.is_column() {
            let side = if per_sample { "samples" } else { "columns" };
            sides.push((shape.cols.clone(), matrix.cols, side));
        }
        for (dim, size, side) in sides {
            match seen.iter().find(|(d, _)| *d == dim) {
                Some((_, first)) if first.size != size => {
                    return Err(format!(
                        "`{key}` has {size} {side} but `{}` has {} {}; both are the size {}",
                        first.key,
                        first.size,
                        first.side,
                        dim.name()
                    ));
                }
                Some(_) => {}
                None => seen.push((
                    dim,
                    Seen {
                        size,
                        key: key.clone(),
                        side: side.to_string(),
                    },
                )),
            }
        }
        if symbol.is_target() {
            check_target(network.loss, &matrix)?;
        }
        if symbol.is_mask() {
            check_mask(&key, &matrix, per_sample)?;
        }
        let matrix = if read_flipped {
            matrix.transpose()
        } else {
            matrix
        };
        inputs.insert(symbol.clone(), matrix);
    }
    let sizes = Sizes::new(
        network
            .dims
            .iter()
            .map(|dim| {
                let size = seen
                    .iter()
                    .find(|(d, _)| d == dim)
                    .map(|(_, s)| s.size)
                    .expect("every dimension is a side of some input or parameter");
                (dim.name().to_string(), size)
            })
            .collect(),
    );
    Ok(Point { sizes, inputs })
}

/// The top-level JSON object, with the first key it gives twice (serde_json's own map would
/// keep the last value silently).
struct Object {
    entries: Map<String, Value>,
    duplicate: Option<String>,
}

impl<'de> Deserialize<'de> for Object {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Object, D::Error> {
        deserializer.deserialize_map(ObjectVisitor)
    }
}

struct ObjectVisitor;

impl<'de> Visitor<'de> for ObjectVisitor {
    type Value = Object;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Object, A::Error> {
        let mut object = Object {
            entries: Map::new(),
            duplicate: None,
        };
        while let Some((key, value)) = map.next_entry::<String, Value>()? {
            if object.entries.contains_key(&key) && object.duplicate.is_none() {
                object.duplicate = Some(key.clone());
            }
            object.entries.insert(key, value);
        }
        Ok(object)
    }
}

/// Refuses a target y (one column per sample) that the loss is not defined for: for a loss
/// that takes probabilities as targets (bce, bce_logits) every entry in [0, 1]; for one that
/// takes distributions (ce, nll) every column a distribution, since their closed forms use
/// Σ y = 1; for hinge every column one-hot.
fn check_target(loss: Loss, y: &Matrix<f64>) -> Result<(), String> {
    if let Some((i, v)) = y.data.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(format!(
            "`y`: y{} = {v} is not a finite number",
            crate::math::symbol::subscript(i + 1)
        ));
    }
    let in_unit_interval = |v: &f64| (0.0..=1.0).contains(v);
    let target = loss.target_domain();
    if target == TargetDomain::Probability
        && let Some(i) = y.data.iter().position(|v| !in_unit_interval(v))
    {
        return Err(format!(
            "`y`[{i}] is {}: the {} loss needs targets in [0, 1]",
            y.data[i],
            loss.name()
        ));
    }
    if target == TargetDomain::OneHot {
        for c in 0..y.cols {
            let column: Vec<f64> = (0..y.rows).map(|r| y.get(r, c)).collect();
            let ones = column.iter().filter(|v| **v == 1.0).count();
            let place = if y.cols > 1 {
                format!(" in sample {}", c + 1)
            } else {
                String::new()
            };
            if let Some(v) = column.iter().find(|v| **v != 0.0 && **v != 1.0) {
                return Err(format!(
                    "`y`: y has the entry {v}{place}; {} takes a one-hot target (a single 1 at \
                     the true class, 0 elsewhere)",
                    loss.name()
                ));
            }
            if ones != 1 {
                return Err(format!(
                    "`y`: y has {ones} entries equal to 1{place}, not one; {} takes a one-hot \
                     target (a single 1 at the true class, 0 elsewhere)",
                    loss.name()
                ));
            }
        }
    }
    if target == TargetDomain::Distribution {
        for c in 0..y.cols {
            let column: Vec<f64> = (0..y.rows).map(|r| y.get(r, c)).collect();
            if let Some(v) = column.iter().find(|v| !in_unit_interval(v)) {
                return Err(format!(
                    "`y`: y has the entry {v}; {} takes a distribution (entries in [0, 1] \
                     summing to 1)",
                    loss.name()
                ));
            }
            let sum: f64 = column.iter().sum();
            if (sum - 1.0).abs() > 1e-9 {
                return Err(format!(
                    "`y`: y sums to {sum}, not 1; {} takes a distribution (its closed forms use \
                     Σ y = 1)",
                    loss.name()
                ));
            }
        }
    }
    Ok(())
}

/// Refuses a dropout mask with an entry other than 0 or 1, naming the entry as the file
/// indexes it (`[s][i]`, sample by sample, in a mini-batch).
fn check_mask(key: &str, mask: &Matrix<f64>, per_sample: bool) -> Result<(), String> {
    let Some(at) = mask.data.iter().position(|v| *v != 0.0 && *v != 1.0) else {
        return Ok(());
    };
    let (row, col) = (at / mask.cols, at % mask.cols);
    let index = if per_sample {
        format!("[{col}][{row}]")
    } else if mask.cols == 1 {
        format!("[{row}]")
    } else {
        format!("[{row}][{col}]")
    };
    Err(format!(
        "`{key}`{index} is {}: a dropout mask holds only 0 (drop the unit) and 1 (keep it)",
        mask.data[at]
    ))
}

/// One entry: a finite number.
fn number(key: &str, at: &str, value: &Value) -> Result<f64, String> {
    let place = format!("`{key}`{at}");
    match value {
        Value::Number(n) => match n.as_f64() {
            Some(v) if crate::spec::underflows_to_zero(&n.to_string(), v) => Err(format!(
                "{place} is {n}, which is not 0 but is too small for a double-precision \
                 number: it would be read as 0"
            )),
            Some(v) if v.is_finite() => Ok(v),
            _ => Err(format!(
                "{place} is {n}, which is not a finite double-precision number"
            )),
        },
        Value::String(s) => Err(format!(
            "{place} is the string {s:?}; entries must be finite numbers (NaN and infinities are not allowed)"
        )),
        other => Err(format!("{place} is {other}, not a number")),
    }
}

/// A vector: a list of numbers, or a list of one-number rows.
fn vector(key: &str, value: &Value) -> Result<Matrix<f64>, String> {
    let Value::Array(items) = value else {
        return Err(format!("`{key}` must be a list of numbers, not {value}"));
    };
    if items.is_empty() {
        return Err(format!("`{key}` is empty"));
    }
    let data = items
        .iter()
        .enumerate()
        .map(|(i, item)| match item {
            Value::Array(row) if row.len() == 1 => number(key, &format!("[{i}][0]"), &row[0]),
            Value::Array(row) => Err(format!(
                "`{key}`[{i}] is a list of {} numbers; `{key}` is a vector, so each entry is one number",
                row.len()
            )),
            _ => number(key, &format!("[{i}]"), item),
        })
        .collect::<Result<Vec<f64>, String>>()?;
    Ok(Matrix::from_vec(data.len(), 1, data))
}

/// A matrix: a list of rows of equal length.
fn matrix(key: &str, value: &Value) -> Result<Matrix<f64>, String> {
    let Value::Array(rows) = value else {
        return Err(format!("`{key}` must be a list of rows, not {value}"));
    };
    if rows.is_empty() {
        return Err(format!("`{key}` is empty"));
    }
    let mut data = Vec::new();
    let mut width = None;
    for (r, row) in rows.iter().enumerate() {
        let Value::Array(entries) = row else {
            return Err(format!(
                "`{key}`[{r}] is {row}; `{key}` is a matrix, so it must be a list of rows (lists of numbers)"
            ));
        };
        if entries.is_empty() {
            return Err(format!("`{key}`[{r}] is an empty row"));
        }
        match width {
            None => width = Some(entries.len()),
            Some(w) if w != entries.len() => {
                return Err(format!(
                    "`{key}` is ragged: row {r} has {} entries but row 0 has {w}",
                    entries.len()
                ));
            }
            Some(_) => {}
        }
        for (c, entry) in entries.iter().enumerate() {
            data.push(number(key, &format!("[{r}][{c}]"), entry)?);
        }
    }
    let cols = width.expect("a non-empty matrix has a width");
    Ok(Matrix::from_vec(rows.len(), cols, data))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::derive_text;
    use crate::network::loss::LossKind;

    fn column(values: &[f64]) -> Matrix<f64> {
        Matrix::from_vec(values.len(), 1, values.to_vec())
    }

    #[test]
    fn bce_targets_must_lie_in_the_unit_interval() {
        let bce = Loss::new(LossKind::Bce);
        assert!(check_target(bce, &column(&[0.0, 0.5, 1.0])).is_ok());
        let err = check_target(bce, &column(&[0.5, 1.5])).unwrap_err();
        assert_eq!(err, "`y`[1] is 1.5: the bce loss needs targets in [0, 1]");
        assert!(check_target(bce, &column(&[-0.1])).is_err());
        assert!(check_target(bce, &column(&[f64::NAN])).is_err());
        let mse = Loss::new(LossKind::Mse);
        assert!(check_target(mse, &column(&[1.5, -3.0])).is_ok());
    }

    #[test]
    fn cross_entropy_targets_must_be_distributions() {
        let ce = Loss::new(LossKind::Ce);
        assert!(check_target(ce, &column(&[0.25, 0.75])).is_ok());
        let err = check_target(ce, &column(&[0.5, 0.6])).unwrap_err();
        assert!(err.contains("sums to 1.1"), "{err}");
        let err = check_target(ce, &column(&[1.5, -0.5])).unwrap_err();
        assert!(err.contains("has the entry 1.5"), "{err}");
        // Two samples as columns, each a distribution.
        let batch = Matrix::from_vec(2, 2, vec![1.0, 0.3, 0.0, 0.7]);
        assert!(check_target(ce, &batch).is_ok());
        let nll = Loss::new(LossKind::Nll);
        assert!(check_target(nll, &column(&[0.5, 0.6])).is_err());
    }

    fn network(loss: LossKind) -> Network {
        derive_text("linear>relu>linear>identity", Loss::new(loss))
            .unwrap()
            .network
    }

    const GOOD: &str = r#"{"x": [1, 2], "W1": [[1, 2], [3, 4], [5, 6]], "b1": [0, 0, 0],
        "W2": [[1, 1, 1]], "b2": [0], "y": [1]}"#;

    #[test]
    fn sizes_come_from_the_values() {
        let point = parse_point(GOOD, &network(LossKind::Mse)).unwrap();
        assert_eq!(
            point.sizes,
            Sizes::new(vec![("n".into(), 2), ("d".into(), 3), ("K".into(), 1)])
        );
        assert_eq!(point.inputs[&Symbol::Weight(1)].data[3], 4.0);
    }

    #[test]
    fn problems_name_the_key() {
        let net = network(LossKind::Mse);
        let bad = |text: &str| parse_point(text, &net).unwrap_err();
        assert!(bad("{").contains("not valid JSON"));
        assert!(bad("[1]").contains("JSON object"));
        assert!(bad(&GOOD.replace(r#""b2": [0], "#, "")).contains("missing key `b2`"));
        assert!(bad(&GOOD.replace(r#""b2""#, r#""b3""#)).contains("unknown key `b3`"));
        assert!(bad(&GOOD.replace("[3, 4]", "[3]")).contains("`W1` is ragged"));
        assert!(
            bad(&GOOD.replace(r#""x": [1, 2]"#, r#""x": [1, 2, 3]"#))
                .contains("`W1` has 2 columns but `x` has 3 entries")
        );
        assert!(bad(&GOOD.replace("[0, 0, 0]", r#"[0, "NaN", 0]"#)).contains("`b1`[1]"));
        assert!(bad(&GOOD.replace("[0, 0, 0]", "[0, 1e400, 0]")).contains("`b1`[1]"));
        assert!(bad(&GOOD.replace("[0, 0, 0]", "[0, 0]")).contains("`b1` has 2 entries"));
        assert!(bad(&GOOD.replace("[0, 0, 0]", "[0, 2e-400, 0]")).contains("`b1`[1] is 2e-400"));
        assert!(
            bad(&GOOD.replace(r#""b2": [0]"#, r#""b2": [0], "b2": [1]"#))
                .contains("the key `b2` is given twice")
        );
    }

    #[test]
    fn a_byte_order_mark_is_read_past_and_tiny_numbers_are_kept() {
        let net = network(LossKind::Mse);
        assert!(parse_point(&format!("\u{FEFF}{GOOD}"), &net).is_ok());
        // The smallest subnormal is not 0, and 0 written with an exponent is 0.
        let tiny = GOOD.replace("[0, 0, 0]", "[5e-324, 0e-400, 0.0]");
        let point = parse_point(&tiny, &net).unwrap();
        assert_eq!(point.inputs[&Symbol::Bias(1)].data[0], 5e-324);
    }

    #[test]
    fn bce_targets_lie_in_the_unit_interval() {
        let err = parse_point(
            &GOOD.replace(r#""y": [1]"#, r#""y": [1.5]"#),
            &network(LossKind::Bce),
        )
        .unwrap_err();
        assert!(err.contains("[0, 1]"), "{err}");
    }
}
