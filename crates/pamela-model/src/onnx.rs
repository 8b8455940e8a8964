//! ONNX export (protobuf written with prost through tract's generated types) and inference with
//! tract, the same code natively and in the browser's worker.
//!
//! The graph, for N images at once:
//!
//! ```text
//! inputs  items [N, item_dim], user [1, user_dim], personal_z [1, q], personal_b [1, 1]
//! embedding = items · C                               -> output "embedding" [N, q] (personal)
//! score     = (items · B) · (user · A)ᵀ + embedding · personal_zᵀ
//!             + items · w + user · v + personal_b + mu  -> output "score" [N, 1]
//! ```

use crate::meta::ModelMeta;
use crate::model::{Params, Personal};
use crate::spec::FEATURE_SPEC_VERSION;
use prost::Message;
use std::fmt;
use std::sync::Arc;
use tract_onnx::pb;
use tract_onnx::prelude::*;
use tract_onnx::tract_hir::infer::Factoid;

#[derive(Debug, Clone, PartialEq)]
pub enum ModelError {
    /// The file is not a valid ONNX model (or not ours).
    Corrupt(String),
    /// The model was made for another feature encoding.
    SpecMismatch(String),
    /// Running it failed.
    Run(String),
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModelError::Corrupt(m) => {
                write!(f, "the model file is damaged or not a PAMELA model: {m}")
            }
            ModelError::SpecMismatch(m) => {
                write!(f, "the model does not fit this version of the app: {m}")
            }
            ModelError::Run(m) => write!(f, "the model failed to run: {m}"),
        }
    }
}

impl std::error::Error for ModelError {}

fn tensor(name: &str, dims: &[i64], data: &[f32]) -> pb::TensorProto {
    pb::TensorProto {
        name: name.into(),
        dims: dims.to_vec(),
        data_type: pb::tensor_proto::DataType::Float as i32,
        raw_data: data.iter().flat_map(|x| x.to_le_bytes()).collect(),
        ..Default::default()
    }
}

fn value(name: &str, dims: &[Result<i64, &str>]) -> pb::ValueInfoProto {
    use pb::tensor_shape_proto::{dimension::Value, Dimension};
    pb::ValueInfoProto {
        name: name.into(),
        r#type: Some(pb::TypeProto {
            value: Some(pb::type_proto::Value::TensorType(pb::type_proto::Tensor {
                elem_type: pb::tensor_proto::DataType::Float as i32,
                shape: Some(pb::TensorShapeProto {
                    dim: dims
                        .iter()
                        .map(|d| Dimension {
                            value: Some(match d {
                                Ok(v) => Value::DimValue(*v),
                                Err(p) => Value::DimParam(p.to_string()),
                            }),
                            ..Default::default()
                        })
                        .collect(),
                }),
            })),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn node(op: &str, inputs: &[&str], output: &str) -> pb::NodeProto {
    pb::NodeProto {
        op_type: op.into(),
        name: output.into(),
        input: inputs.iter().map(|s| s.to_string()).collect(),
        output: vec![output.into()],
        ..Default::default()
    }
}

/// The model as ONNX bytes (deterministic for the same weights).
pub fn export(p: &Params) -> Vec<u8> {
    let (di, du, r, q) = (
        p.item_dim as i64,
        p.user_dim as i64,
        p.rank as i64,
        p.personal_rank as i64,
    );
    let transpose = |input: &str, output: &str| {
        let mut t = node("Transpose", &[input], output);
        t.attribute.push(pb::AttributeProto {
            name: "perm".into(),
            r#type: pb::attribute_proto::AttributeType::Ints as i32,
            ints: vec![1, 0],
            ..Default::default()
        });
        t
    };
    let graph = pb::GraphProto {
        name: "pamela-predictor".into(),
        node: vec![
            node("MatMul", &["items", "B"], "taste_embedding"),
            node("MatMul", &["items", "C"], "embedding"),
            node("MatMul", &["items", "w"], "item_linear"),
            node("MatMul", &["user", "A"], "taste"),
            node("MatMul", &["user", "v"], "user_linear"),
            transpose("taste", "taste_t"),
            transpose("personal_z", "z_t"),
            node("MatMul", &["taste_embedding", "taste_t"], "cohort"),
            node("MatMul", &["embedding", "z_t"], "own"),
            node("Add", &["cohort", "own"], "s0"),
            node("Add", &["s0", "item_linear"], "s1"),
            node("Add", &["user_linear", "personal_b"], "c1"),
            node("Add", &["c1", "mu"], "c2"),
            node("Add", &["s1", "c2"], "score"),
        ],
        initializer: vec![
            tensor("B", &[di, r], &p.b),
            tensor("C", &[di, q], &p.c),
            tensor("w", &[di, 1], &p.w),
            tensor("A", &[du, r], &p.a),
            tensor("v", &[du, 1], &p.v),
            tensor("mu", &[1, 1], &[p.mu]),
        ],
        input: vec![
            value("items", &[Err("N"), Ok(di)]),
            value("user", &[Ok(1), Ok(du)]),
            value("personal_z", &[Ok(1), Ok(q)]),
            value("personal_b", &[Ok(1), Ok(1)]),
        ],
        output: vec![
            value("score", &[Err("N"), Ok(1)]),
            value("embedding", &[Err("N"), Ok(q)]),
        ],
        ..Default::default()
    };
    let model = pb::ModelProto {
        ir_version: 8,
        opset_import: vec![pb::OperatorSetIdProto {
            domain: String::new(),
            version: 13,
        }],
        producer_name: "pamela-model".into(),
        producer_version: env!("CARGO_PKG_VERSION").into(),
        graph: Some(graph),
        metadata_props: vec![pb::StringStringEntryProto {
            key: "pamela.feature_spec_version".into(),
            value: FEATURE_SPEC_VERSION.to_string(),
        }],
        ..Default::default()
    };
    model.encode_to_vec()
}

/// A loaded, optimized model ready to score images.
pub struct Predictor {
    plan: Arc<TypedRunnableModel>,
    pub meta: ModelMeta,
}

impl Predictor {
    /// Parses, checks against the metadata and this build's feature encoding, and optimizes
    /// once. Every failure is a [`ModelError`], never a panic.
    pub fn load(onnx: &[u8], meta: ModelMeta) -> Result<Predictor, ModelError> {
        meta.check()?;
        let proto = tract_onnx::onnx()
            .proto_model_for_read(&mut &onnx[..])
            .map_err(|e| ModelError::Corrupt(format!("{e}")))?;
        let version = proto
            .metadata_props
            .iter()
            .find(|p| p.key == "pamela.feature_spec_version")
            .map(|p| p.value.clone());
        if version.as_deref() != Some(&FEATURE_SPEC_VERSION.to_string()) {
            return Err(ModelError::SpecMismatch(format!(
                "the ONNX file was made for feature encoding {}, this app uses {FEATURE_SPEC_VERSION}",
                version.unwrap_or_else(|| "(none)".into())
            )));
        }
        let model = tract_onnx::onnx()
            .model_for_proto_model(&proto)
            .map_err(|e| ModelError::Corrupt(format!("{e}")))?;
        let expect = [
            ("items", meta.spec.item_dim()),
            ("user", meta.spec.user_dim()),
            ("personal_z", meta.personal_rank),
            ("personal_b", 1),
        ];
        let inputs = model
            .input_outlets()
            .map_err(|e| ModelError::Corrupt(format!("{e}")))?
            .to_vec();
        if inputs.len() != expect.len() {
            return Err(ModelError::SpecMismatch(format!(
                "expected 4 inputs, found {}",
                inputs.len()
            )));
        }
        for (k, (name, dim)) in expect.iter().enumerate() {
            let fact = model
                .input_fact(k)
                .map_err(|e| ModelError::Corrupt(format!("{e}")))?;
            let last = fact
                .shape
                .dims()
                .last()
                .and_then(|d| d.concretize())
                .and_then(|d| d.to_i64().ok());
            if last != Some(*dim as i64) {
                return Err(ModelError::SpecMismatch(format!(
                    "input {name} takes {} columns, the feature encoding has {dim}",
                    last.map_or("an unknown number of".to_string(), |v| v.to_string())
                )));
            }
        }
        let plan = model
            .into_optimized()
            .and_then(|m| m.into_runnable())
            .map_err(|e| ModelError::Corrupt(format!("{e}")))?;
        Ok(Predictor { plan, meta })
    }

    /// Scores and embeddings of `n` images given as dense rows (n x item_dim, row-major).
    pub fn run(
        &self,
        items: &[f32],
        n: usize,
        user: &[f32],
        personal: &Personal,
    ) -> Result<(Vec<f32>, Vec<f32>), ModelError> {
        let (di, du, r) = (
            self.meta.spec.item_dim(),
            self.meta.spec.user_dim(),
            self.meta.personal_rank,
        );
        if items.len() != n * di || user.len() != du || personal.z.len() != r {
            return Err(ModelError::Run("input sizes do not match the model".into()));
        }
        let err = |e: TractError| ModelError::Run(format!("{e}"));
        let t_items = Tensor::from_shape(&[n, di], items).map_err(err)?;
        let t_user = Tensor::from_shape(&[1, du], user).map_err(err)?;
        let t_z = Tensor::from_shape(&[1, r], &personal.z).map_err(err)?;
        let t_b = Tensor::from_shape(&[1, 1], &[personal.bias]).map_err(err)?;
        let out = self
            .plan
            .run(tvec!(t_items.into(), t_user.into(), t_z.into(), t_b.into()))
            .map_err(err)?;
        let scores = out[0]
            .to_plain_array_view::<f32>()
            .map_err(err)?
            .iter()
            .copied()
            .collect();
        let emb = out[1]
            .to_plain_array_view::<f32>()
            .map_err(err)?
            .iter()
            .copied()
            .collect();
        Ok((scores, emb))
    }
}
