//! The numbers a description of the check states that are the same in every run, taken from
//! where the check uses them; those that vary (the step, the tolerance, the kink margin, the
//! draws of a random point, the coverage) are fields of `CheckReport`.

pub use crate::check::budget::MAX_MULTIPLY_ADDS;
pub use crate::check::directional::{KINK_DISTANCE_DIVISOR, KINK_STEP_DIVISOR, SMALLEST_KINK_STEP};
pub use crate::check::sampling::{GAMMA, PROBABILITY, UNIFORM, WEIGHT_CAP, WEIGHT_GAIN};
pub use crate::check::stencil::ERROR_FLOOR;
pub use crate::check::stencil::{SECOND_STEP, SETTLE_DIVISOR, SIGN_STEP_DIVISOR, STENCIL_POINTS};
