//! The generated API on a model with a shared branch: the trunk runs once, kept
//! features serve heads later, a branch shared by two heads runs once per trunk run,
//! and every way of asking for a head gives the same numbers as `run`.

// As a user's crate would include them (the unused parts of the API are fine).
#[allow(dead_code)]
mod residual {
    include!(concat!(env!("OUT_DIR"), "/residual.rs"));
}
#[allow(dead_code)]
mod stream {
    include!(concat!(env!("OUT_DIR"), "/stream.rs"));
}
#[allow(dead_code)]
mod two_inputs {
    include!(concat!(env!("OUT_DIR"), "/two_inputs.rs"));
}

use tinymtl::npz::{self, Spec};
use tinymtl_host_tests::fixtures_dir;

fn samples(model: &str, inputs: &[(&str, &[usize])]) -> npz::Samples {
    let specs: Vec<Spec> = inputs
        .iter()
        .map(|(n, s)| Spec {
            name: n.to_string(),
            shape: s.to_vec(),
        })
        .collect();
    npz::read(&fixtures_dir().join(format!("{model}.inputs.npz")), &specs).unwrap()
}

fn input(s: &npz::Samples, k: usize, i: usize, len: usize) -> Vec<f32> {
    s.data[k][i * len..(i + 1) * len].to_vec()
}

#[test]
fn heads_from_kept_features_equal_run() {
    use residual::*;
    let s = samples("residual_layernorm_three_heads", &[("x", &INPUT_X_SHAPE)]);
    let mut model = Model::new();
    assert!(
        model.features().is_none(),
        "no features before the first trunk run"
    );
    for i in 0..s.n {
        let mut x: InputX = [[0.0; 32]; 1];
        x.as_flattened_mut().copy_from_slice(&input(&s, 0, i, 32));
        let all = model.run(&Inputs { x: &x }, Heads::ALL);
        let only_b = model.run(&Inputs { x: &x }, Heads::HEAD_B);
        assert_eq!((only_b.head_a, only_b.head_c), (None, None));
        assert_eq!(only_b.head_b, all.head_b);
        // Step by step, heads in another order, one of them much later.
        let mut f = model.trunk(&Inputs { x: &x });
        let c = f.head_c();
        let b = f.head_b();
        assert_eq!(Some(c), all.head_c);
        assert_eq!(Some(b), all.head_b);
        // Later (a slower rate): the kept features still give the same head.
        let a = model.features().expect("trunk ran").head_a();
        assert_eq!(Some(a), all.head_a);
        // Asking again is idempotent (the shared branch is not recomputed wrongly).
        assert_eq!(model.features().unwrap().head_b(), b);
    }
}

#[test]
fn new_trunk_run_invalidates_the_shared_branch() {
    use residual::*;
    let s = samples("residual_layernorm_three_heads", &[("x", &INPUT_X_SHAPE)]);
    let mut xs: Vec<InputX> = Vec::new();
    for i in 0..2 {
        let mut x: InputX = [[0.0; 32]; 1];
        x.as_flattened_mut().copy_from_slice(&input(&s, 0, i, 32));
        xs.push(x);
    }
    let mut model = Model::new();
    let want = model.run(&Inputs { x: &xs[1] }, Heads::ALL);
    // Branch computed for sample 0, then a new trunk run: head_a must use sample 1's branch.
    model.trunk(&Inputs { x: &xs[0] }).head_b();
    let a = model.trunk(&Inputs { x: &xs[1] }).head_a();
    assert_eq!(Some(a), want.head_a);
    assert_ne!(
        want.head_a,
        Model::new().run(&Inputs { x: &xs[0] }, Heads::ALL).head_a
    );
}

#[test]
fn consts_describe_the_parts() {
    use residual::*;
    assert_eq!(PARTS[0], "trunk");
    assert_eq!(HEADS, 3);
    assert_eq!(HEAD_NAMES, ["head_a", "head_b", "head_c"]);
    assert_eq!(
        MACS,
        MACS_TRUNK + MACS_BRANCH_HEAD_A_HEAD_B + MACS_HEAD_A + MACS_HEAD_B + MACS_HEAD_C
    );
    assert_eq!(
        MACS_HEAD_A_ALONE,
        MACS_TRUNK + MACS_BRANCH_HEAD_A_HEAD_B + MACS_HEAD_A
    );
    assert_eq!(MACS_HEAD_C_ALONE, MACS_TRUNK + MACS_HEAD_C);
    const { assert!(WEIGHT_BYTES >= PARAMS * 2) };
    // The arena is the model's state: the `Model` holds it and little else.
    let size = core::mem::size_of::<Model>();
    assert!(
        (ARENA_BYTES..=ARENA_BYTES + 64).contains(&size),
        "Model is {size} bytes, arena {ARENA_BYTES}"
    );
}

#[test]
fn two_inputs_through_the_generated_api() {
    use two_inputs::*;
    let s = samples(
        "two_input_concat",
        &[("imu", &INPUT_IMU_SHAPE), ("env", &INPUT_ENV_SHAPE)],
    );
    let r = npz::read(
        &fixtures_dir().join("two_input_concat.ref_f16.npz"),
        &[
            Spec {
                name: "activity".into(),
                shape: OUTPUT_ACTIVITY_SHAPE.to_vec(),
            },
            Spec {
                name: "temperature".into(),
                shape: OUTPUT_TEMPERATURE_SHAPE.to_vec(),
            },
        ],
    )
    .unwrap();
    let mut model = Model::new();
    for i in 0..s.n {
        let (mut imu, mut env): (InputImu, InputEnv) = ([[0.0; 12]; 1], [[0.0; 4]; 1]);
        imu.as_flattened_mut().copy_from_slice(&input(&s, 0, i, 12));
        env.as_flattened_mut().copy_from_slice(&input(&s, 1, i, 4));
        let o = model.run(
            &Inputs {
                imu: &imu,
                env: &env,
            },
            Heads::ACTIVITY | Heads::TEMPERATURE,
        );
        let got = o.activity.unwrap();
        for (g, w) in got
            .as_flattened()
            .iter()
            .zip(&r.data[0][i * 6..(i + 1) * 6])
        {
            assert!((g - w).abs() <= 1e-3 + 1e-3 * w.abs(), "{g} vs {w}");
        }
    }
}

/// `Model::step` carries the LSTM's final state into the next window: a stream of
/// windows through `step` equals `run` with each window's `h0`/`c0` set by hand to
/// the last window's `h_n`/`c_n` (and `run` meets the contract against onnxruntime
/// for any given state: the fixture's samples have random states).
#[test]
fn step_carries_the_recurrent_state_between_windows() {
    use stream::*;
    let s = samples(
        "lstm_streaming_state_torchscript",
        &[
            ("imu", &INPUT_IMU_SHAPE),
            ("h0", &INPUT_H0_SHAPE),
            ("c0", &INPUT_C0_SHAPE),
        ],
    );
    let n = INPUT_IMU_SHAPE.iter().product::<usize>();
    let mut stepped = Model::new();
    let mut by_hand = Model::new();
    let mut state = State::new();
    let (mut h, mut c): (InputH0, InputC0) = (State::new().h0, State::new().c0);
    let mut answers = Vec::new();
    for i in 0..s.n {
        let mut imu: InputImu = Default::default();
        imu.as_flattened_mut()
            .as_flattened_mut()
            .copy_from_slice(&input(&s, 0, i, n));
        let got = stepped.step(&StepInputs { imu: &imu }, &mut state, Heads::ACTIVITY);
        let want = by_hand.run(
            &Inputs {
                imu: &imu,
                h0: &h,
                c0: &c,
            },
            Heads::ALL,
        );
        assert_eq!(got.activity, want.activity, "window {i}");
        // The state outputs are computed (and returned) whatever the heads asked for.
        assert_eq!(got.h_n, want.h_n);
        h = want.h_n.unwrap();
        c = want.c_n.unwrap();
        assert_eq!((state.h0, state.c0), (h, c), "window {i}");
        answers.push(got.activity.unwrap());
    }
    // The state matters: the same last window from a zero state answers differently.
    let mut imu: InputImu = Default::default();
    imu.as_flattened_mut()
        .as_flattened_mut()
        .copy_from_slice(&input(&s, 0, s.n - 1, n));
    let fresh = Model::new().step(
        &StepInputs { imu: &imu },
        &mut State::new(),
        Heads::ACTIVITY,
    );
    assert_ne!(fresh.activity.unwrap(), *answers.last().unwrap());
}
