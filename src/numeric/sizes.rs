//! The size of every named dimension of a network, looked up by the address of its name: the
//! check's defaults, and those `--dims` gives.

use rustc_hash::FxHashMap;

use crate::error::Error;
use crate::math::shape::Dim;
use crate::network::Network;

/// The size of every named dimension, in the order the network introduces them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Sizes {
    entries: Vec<(String, usize)>,
    /// Name → position in `entries`, for `set`.
    index: FxHashMap<String, usize>,
    /// The same by the address of the name as a `Dim` stores it (names are stored once for the
    /// process, see `shape`), for `of`: a deep chain has thousands of dimensions, and every node
    /// evaluated, counted or budgeted looks its sizes up, so the name is not hashed each time.
    by_address: FxHashMap<(usize, usize), usize>,
}

/// Where a dimension's stored name lies.
fn address(name: &'static str) -> (usize, usize) {
    (name.as_ptr() as usize, name.len())
}

impl Sizes {
    pub fn new(entries: Vec<(String, usize)>) -> Sizes {
        let mut index = FxHashMap::default();
        let mut by_address = FxHashMap::default();
        for (i, (name, _)) in entries.iter().enumerate() {
            index.insert(name.clone(), i);
            if let Dim::Named(stored) = Dim::named(name) {
                by_address.insert(address(stored), i);
            }
        }
        Sizes {
            entries,
            index,
            by_address,
        }
    }

    pub fn entries(&self) -> &[(String, usize)] {
        &self.entries
    }

    /// Sets the size of a dimension the network has; `false` if it has none of that name.
    pub fn set(&mut self, name: &str, size: usize) -> bool {
        match self.index.get(name) {
            Some(&i) => {
                self.entries[i].1 = size;
                true
            }
            None => false,
        }
    }

    pub fn of(&self, dim: &Dim) -> usize {
        match dim {
            Dim::One => 1,
            Dim::Named(name) => {
                let i = self
                    .by_address
                    .get(&address(name))
                    .unwrap_or_else(|| panic!("no size for dimension {name}"));
                self.entries[*i].1
            }
        }
    }
}

/// The default sizes of the check: all different (n = 3, hidden widths from 4 up, K = 2), so
/// that a formula with a transposed shape cannot pass by accident.
pub fn default_sizes(network: &Network) -> Sizes {
    // Hidden widths cycle through 4, 5, 6 (and N takes the next), so that neighbouring
    // dimensions always differ and a deep chain stays small.
    let mut next_hidden = 0;
    Sizes::new(
        network
            .dims
            .iter()
            .map(|dim| {
                let size = match dim.name() {
                    "n" => 3,
                    "K" => 2,
                    _ => {
                        next_hidden += 1;
                        4 + (next_hidden - 1) % 3
                    }
                };
                (dim.name().to_string(), size)
            })
            .collect(),
    )
}

/// Applies `--dims n=3,d=4,K=2` on top of the defaults.
pub fn parse_dims(text: &str, network: &Network) -> Result<Sizes, Error> {
    let mut sizes = default_sizes(network);
    let known: Vec<String> = sizes.entries().iter().map(|(n, _)| n.clone()).collect();
    let mut given: Vec<(&str, &str)> = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((name, value)) = part.split_once('=') else {
            return Err(Error::Usage(format!(
                "--dims: `{part}` is not of the form name=size (for example n=3,d=4,K=2)"
            )));
        };
        let (name, value) = (name.trim(), value.trim());
        if let Some((_, first)) = given.iter().find(|(n, _)| *n == name) {
            return Err(Error::Usage(format!(
                "--dims: `{name}` is given twice ({name}={first} and {name}={value}); give each \
                 size once"
            )));
        }
        given.push((name, value));
        if !known.iter().any(|k| k == name) {
            let names: Vec<&str> = known.iter().map(String::as_str).collect();
            let hidden: Vec<&str> = names
                .iter()
                .copied()
                .filter(|n| !["n", "K", "N"].contains(n))
                .collect();
            let names_a_hidden_width = name
                .strip_prefix('d')
                .is_some_and(|index| index.bytes().all(|b| b.is_ascii_digit()));
            let hint = if name == "N" && network.samples.is_none() {
                " (N is the number of samples of a mini-batch: add --batch)".to_string()
            } else if names_a_hidden_width {
                match hidden.as_slice() {
                    [] => " (it has no hidden layer)".to_string(),
                    [only] => format!(" (its hidden width is {only})"),
                    [first, second, third, ..] if hidden.len() > 4 => format!(
                        " (its hidden widths are {first}, {second}, {third}, …, {})",
                        hidden[hidden.len() - 1]
                    ),
                    many => format!(" (its hidden widths are {})", many.join(", ")),
                }
            } else {
                crate::spec::suggest::did_you_mean(name, &names)
                    .map(|n| format!(" (did you mean `{n}`?)"))
                    .unwrap_or_default()
            };
            return Err(Error::Usage(format!(
                "--dims: this network has no dimension `{name}`{hint}; its dimensions are {}",
                known.join(", ")
            )));
        }
        let size: usize = value.parse().map_err(|_| {
            let digits = !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit());
            Error::Usage(if digits {
                format!("--dims: the size of {name}, {value}, is too large")
            } else {
                format!("--dims: the size of {name} must be a whole number, not `{value}`")
            })
        })?;
        if size == 0 {
            return Err(Error::Usage(format!(
                "--dims: the size of {name} must be at least 1"
            )));
        }
        sizes.set(name, size);
    }
    Ok(sizes)
}
