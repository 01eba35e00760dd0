//! How a derivation is written for a course: columns (the default), samples as rows as PyTorch
//! and CS231n write them, and Jacobians in numerator or denominator layout.
//!
//! The derivation is always built in the columns convention and numerator layout. A convention is
//! a view of it (`view`): every tree rewritten into the convention's symbols, whose values are
//! the columns values transposed where the convention lays them out the other way
//! (`orient`). Nothing is derived again, and the check evaluates the rewritten trees.

mod orient;
mod view;

pub use crate::math::convention::{Convention, Layout, Style};
pub use view::view;
