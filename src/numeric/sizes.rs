//! The size of every named dimension of a network, looked up by the address of its name.

use rustc_hash::FxHashMap;

use crate::math::shape::Dim;

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
