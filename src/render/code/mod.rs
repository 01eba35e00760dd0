//! Code from the closed forms: a self-contained Python module (NumPy, PyTorch or JAX) whose
//! forward pass, loss and backward pass are the derivation's own formulas, one line each with
//! the formula beside it, and a self-test against the framework's autograd (central
//! differences for NumPy).
//!
//! The derivation is `derive_for_code`'s: the mini-batch derivation in compact form, in the
//! convention asked for. `python` prints a tree as an expression, `functions` holds the helper
//! functions, `module` lays the module out, and `numpy`, `pytorch` and `jax` hold what differs
//! between the frameworks.

pub mod functions;
pub mod jax;
pub mod module;
pub mod numpy;
pub mod python;
pub mod pytorch;

pub use module::{EmitOptions, emit};

/// The frameworks `--emit` writes for.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Framework {
    Numpy,
    Pytorch,
    Jax,
}

impl Framework {
    pub const ALL: [Framework; 3] = [Framework::Numpy, Framework::Pytorch, Framework::Jax];

    pub fn name(self) -> &'static str {
        match self {
            Framework::Numpy => "numpy",
            Framework::Pytorch => "pytorch",
            Framework::Jax => "jax",
        }
    }

    /// The module the array functions come from, as imported.
    pub fn namespace(self) -> &'static str {
        match self {
            Framework::Numpy => "np",
            Framework::Pytorch => "torch",
            Framework::Jax => "jnp",
        }
    }

    /// A reduction (`sum`, `max`) of an array along an axis, or of all of it.
    pub fn reduce(self, receiver: &str, op: &str, axis: Option<&str>, keepdims: bool) -> String {
        let op = match (self, op) {
            (Framework::Pytorch, "max") => "amax",
            (_, op) => op,
        };
        let (axis_word, keep_word) = match self {
            Framework::Pytorch => ("dim", "keepdim"),
            Framework::Numpy | Framework::Jax => ("axis", "keepdims"),
        };
        match (axis, keepdims) {
            (None, _) => format!("{receiver}.{op}()"),
            (Some(axis), false) => format!("{receiver}.{op}({axis_word}={axis})"),
            (Some(axis), true) => format!("{receiver}.{op}({axis_word}={axis}, {keep_word}=True)"),
        }
    }

    /// z limited to [low, high], either side open.
    pub fn clamp(self, z: &str, low: Option<&str>, high: Option<&str>) -> String {
        match self {
            Framework::Pytorch => match (low, high) {
                (Some(low), Some(high)) => format!("torch.clamp({z}, {low}, {high})"),
                (Some(low), None) => format!("torch.clamp({z}, min={low})"),
                (None, Some(high)) => format!("torch.clamp({z}, max={high})"),
                (None, None) => z.to_string(),
            },
            Framework::Numpy | Framework::Jax => {
                let ns = self.namespace();
                match (low, high) {
                    (Some(low), Some(high)) => format!("{ns}.clip({z}, {low}, {high})"),
                    (Some(low), None) => format!("{ns}.maximum({z}, {low})"),
                    (None, Some(high)) => format!("{ns}.minimum({z}, {high})"),
                    (None, None) => z.to_string(),
                }
            }
        }
    }

    /// A condition as 0s and 1s of the dtype of `like`.
    pub fn cast_like(self, condition: &str, like: &str) -> String {
        match self {
            Framework::Pytorch => format!("({condition}).to({like}.dtype)"),
            Framework::Numpy | Framework::Jax => format!("({condition}).astype({like}.dtype)"),
        }
    }
}

impl Framework {
    /// The module's imports.
    pub fn imports(self) -> &'static str {
        match self {
            Framework::Numpy => numpy::IMPORTS,
            Framework::Pytorch => pytorch::IMPORTS,
            Framework::Jax => jax::IMPORTS,
        }
    }

    /// What the self-test compares the module's gradients with.
    pub fn reference(self) -> &'static str {
        match self {
            Framework::Numpy => numpy::REFERENCE,
            Framework::Pytorch => pytorch::REFERENCE,
            Framework::Jax => jax::REFERENCE,
        }
    }

    /// A NumPy array as the framework's array.
    pub fn array(self, name: &str) -> String {
        match self {
            Framework::Numpy => name.to_string(),
            Framework::Pytorch => format!("torch.from_numpy({name})"),
            Framework::Jax => format!("jnp.asarray({name})"),
        }
    }

    /// The last line of init_params: the NumPy draws returned as the framework's arrays.
    pub fn convert_params(self) -> String {
        match self {
            Framework::Numpy => "return params".into(),
            other => format!(
                "return {{key: {} for key, value in params.items()}}",
                other.array("value")
            ),
        }
    }

    /// The self-test's first lines: the module's gradients and the reference.
    pub fn reference_gradients(self, masks: &str, weight_decay: bool) -> Vec<String> {
        match self {
            Framework::Numpy => numpy::reference_gradients(masks, weight_decay),
            Framework::Pytorch => pytorch::reference_gradients(masks, weight_decay),
            Framework::Jax => jax::reference_gradients(masks, weight_decay),
        }
    }

    /// Functions only the self-test uses.
    pub fn test_functions(self) -> Option<&'static str> {
        match self {
            Framework::Numpy => Some(numpy::CENTRAL_DIFFERENCES),
            Framework::Pytorch | Framework::Jax => None,
        }
    }

    /// A line the self-test starts with: JAX computes in float32 unless told otherwise before
    /// it makes an array.
    pub fn test_setup(self) -> Option<&'static str> {
        match self {
            Framework::Jax => Some("jax.config.update(\"jax_enable_x64\", True)"),
            Framework::Numpy | Framework::Pytorch => None,
        }
    }
}
