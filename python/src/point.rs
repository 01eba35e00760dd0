//! Values at a point: arrays in, ℓ and every gradient out, through the command's own point
//! reader and evaluator, so that the keys, the layouts (a bias a flat vector, a weight one row
//! per output, a batch one row per sample) and every refusal are the `--at` file's.

use derive_engine::numeric::at_point::evaluate_at;
use derive_engine::numeric::point::parse_point;
use derive_engine::render::parts::{Part, Parts};
use derive_engine::render::sections::Sections;
use derive_engine::render::{Format, RenderOptions};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::errors::to_python;

pub fn evaluate<'py>(
    py: Python<'py>,
    derivation: &derive_engine::Derivation,
    point: &Bound<'py, PyDict>,
) -> PyResult<Bound<'py, PyDict>> {
    // Arrays as nested lists, then the text of a point file.
    let lists = PyDict::new(py);
    for (key, value) in point.iter() {
        let value = if value.hasattr("tolist")? {
            value.call_method0("tolist")?
        } else {
            value
        };
        lists.set_item(key, value)?;
    }
    let json = py.import("json")?;
    let text: String = json.call_method1("dumps", (lists,))?.extract()?;
    let point = parse_point(&text, &derivation.network).map_err(to_python)?;
    let values = py.detach(|| {
        let evaluation = evaluate_at(derivation, &point.sizes, &point.inputs);
        let sections = Sections::before_check(
            derivation,
            Some(&evaluation),
            Parts::parse(Part::Values.name()).expect("a part by its name"),
        );
        let page = RenderOptions {
            width: 100,
            standalone: false,
        };
        Format::Json.render(&sections, page)
    });
    let document = json.call_method1("loads", (values,))?;
    let evaluation = document.get_item("evaluation")?;
    let numpy = py.import("numpy")?;
    let gradients = PyDict::new(py);
    for (key, value) in evaluation
        .get_item("gradients")?
        .cast_into::<PyDict>()?
        .iter()
    {
        gradients.set_item(key, numpy.call_method1("asarray", (value,))?)?;
    }
    let out = PyDict::new(py);
    out.set_item("loss", evaluation.get_item("loss")?)?;
    out.set_item("gradients", gradients)?;
    Ok(out)
}
