//! The static shape of a graph input: its declared dims, a leading symbolic dim
//! (the batch) as 1, and every other symbolic dim from `--input-shape` /
//! `Builder::input_shape`, never guessed.

/// The static shape of graph input `name` from its declared dims (`None` where
/// symbolic), their names and the sizes given on the command line.
pub(crate) fn input_shape(
    name: &str,
    dims: &[Option<usize>],
    dim_names: &[String],
    given: Option<&[usize]>,
) -> std::result::Result<Vec<usize>, String> {
    let shown = |d: &[Option<usize>]| {
        let parts: Vec<String> = d
            .iter()
            .enumerate()
            .map(|(i, d)| match d {
                Some(v) => v.to_string(),
                None => match dim_names.get(i).filter(|n| !n.is_empty()) {
                    Some(n) => crate::escape::text(n),
                    None => "?".into(),
                },
            })
            .collect();
        format!("[{}]", parts.join(", "))
    };
    let flag = |d: &[Option<usize>]| {
        let parts: Vec<String> = d
            .iter()
            .enumerate()
            .map(|(i, d)| match d {
                Some(v) => v.to_string(),
                None if i == 0 => "1".into(),
                None => "N".into(),
            })
            .collect();
        format!(
            "--input-shape {}={}",
            crate::escape::text(name),
            parts.join(",")
        )
    };
    if let Some(g) = given {
        if g.len() != dims.len() {
            return Err(format!(
                "--input-shape gives {} dims, the input has rank {} (declared {})",
                g.len(),
                dims.len(),
                shown(dims)
            ));
        }
        for (i, (&want, d)) in g.iter().zip(dims).enumerate() {
            if want == 0 {
                return Err(format!(
                    "--input-shape gives dim {i} size 0; sizes are at least 1"
                ));
            }
            if let Some(fixed) = d {
                if *fixed != want {
                    return Err(format!(
                        "--input-shape gives dim {i} size {want}, but the file fixes it to {fixed} (declared {})",
                        shown(dims)
                    ));
                }
            }
        }
        return Ok(g.to_vec());
    }
    let mut shape = Vec::with_capacity(dims.len());
    for (i, d) in dims.iter().enumerate() {
        match d {
            Some(v) => shape.push(*v),
            // The batch: one sample per call.
            None if i == 0 => shape.push(1),
            None => {
                let what = match dim_names.get(i).filter(|n| !n.is_empty()) {
                    Some(n) => format!("dim {i} ('{}')", crate::escape::text(n)),
                    None => format!("dim {i}"),
                };
                return Err(format!(
                    "{what} of the input is symbolic (declared {}); give its size, e.g. `{}` (Builder::input_shape)",
                    shown(dims),
                    flag(dims)
                ));
            }
        }
    }
    Ok(shape)
}
