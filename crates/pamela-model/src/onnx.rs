//! ONNX export (protobuf written with prost through tract's generated types) and inference with
//! tract, the same code natively and in the browser's worker.
//!
//! The graph, for N images at once. Image features are sparse (a few one-hots and the prompt's
//! terms: about 30 non-zeros among several hundred columns), so images come in as an
//! embedding bag, the column indices and values of their non-zeros padded to K per image, and
//! the graph gathers the rows of one weight table `W = [B | C | w]` instead of multiplying a
//! dense [N, item_dim] matrix: work proportional to the non-zeros, about 20 times less.
//!
//! ```text
//! inputs  item_index [N, K] (int64; item_dim = padding), item_value [N, K],
//!         user [1, user_dim], personal_z [1, d], personal_b [1, 1]
//! item      = Σ_k item_value[:, k] · W[item_index[:, k]]    [N, r + q + 1] = [e | f | w·x]
//! g         = item · [user · A, 0_q, 1]ᵀ + user · v          [N, 1]: the profile's score
//! embedding = [item[:, r .. r + q], g]   (g only with a stretch; d = q + 1, else d = q)
//!                                                           -> output "embedding" [N, d]
//! score     = g + embedding · personal_zᵀ + personal_b + mu  -> output "score" [N, 1]
//! ```
//!
//! With a stretch the last number of `personal_z` multiplies `g`: the person's use of the
//! scale (see [`crate::model`]). Only the operators of the first model's graph are used
//! (Gather, Unsqueeze, Mul, ReduceSum, MatMul, Concat, Transpose, Slice, Add), so the
//! browser's tract build needs nothing new.
//! ```

use crate::meta::ModelMeta;
use crate::model::{Params, Personal};
use crate::spec::{Sparse, FEATURE_SPEC_VERSION};
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
    typed_value(name, dims, pb::tensor_proto::DataType::Float)
}

fn typed_value(
    name: &str,
    dims: &[Result<i64, &str>],
    elem: pb::tensor_proto::DataType,
) -> pb::ValueInfoProto {
    use pb::tensor_shape_proto::{dimension::Value, Dimension};
    pb::ValueInfoProto {
        name: name.into(),
        r#type: Some(pb::TypeProto {
            value: Some(pb::type_proto::Value::TensorType(pb::type_proto::Tensor {
                elem_type: elem as i32,
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

fn ints(name: &str, values: &[i64]) -> pb::TensorProto {
    pb::TensorProto {
        name: name.into(),
        dims: vec![values.len() as i64],
        data_type: pb::tensor_proto::DataType::Int64 as i32,
        raw_data: values.iter().flat_map(|x| x.to_le_bytes()).collect(),
        ..Default::default()
    }
}

fn int_attr(name: &str, value: i64) -> pb::AttributeProto {
    pb::AttributeProto {
        name: name.into(),
        r#type: pb::attribute_proto::AttributeType::Int as i32,
        i: value,
        ..Default::default()
    }
}

/// The weight table `W`: one row per image column, `[B row | C row | w]`, and a last row of
/// zeros for padding.
fn weight_table(p: &Params) -> Vec<f32> {
    let (r, q) = (p.rank, p.personal_rank);
    let f = r + q + 1;
    let mut t = vec![0f32; (p.item_dim + 1) * f];
    for j in 0..p.item_dim {
        let row = &mut t[j * f..(j + 1) * f];
        row[..r].copy_from_slice(&p.b[j * r..(j + 1) * r]);
        row[r..r + q].copy_from_slice(&p.c[j * q..(j + 1) * q]);
        row[r + q] = p.w[j];
    }
    t
}

/// The model as ONNX bytes (deterministic for the same weights).
pub fn export(p: &Params) -> Vec<u8> {
    let (di, du, r, q) = (
        p.item_dim as i64,
        p.user_dim as i64,
        p.rank as i64,
        p.personal_rank as i64,
    );
    let d = p.personal_dim() as i64;
    let f = r + q + 1;
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
    let concat = |inputs: &[&str], output: &str| {
        let mut c = node("Concat", inputs, output);
        c.attribute.push(int_attr("axis", 1));
        c
    };
    let mut gather = node("Gather", &["W", "item_index"], "gathered");
    gather.attribute.push(int_attr("axis", 0));
    let mut sum = node("ReduceSum", &["weighted", "axis_k"], "item");
    sum.attribute.push(int_attr("keepdims", 0));
    let slice_out = if p.stretch { "f_emb" } else { "embedding" };
    let mut nodes = vec![
        gather,
        node("Unsqueeze", &["item_value", "axis_last"], "value3"),
        node("Mul", &["gathered", "value3"], "weighted"),
        sum,
        node("MatMul", &["user", "A"], "taste"),
        node("MatMul", &["user", "v"], "user_linear"),
        concat(&["taste", "zeros_q", "one"], "combo_row"),
        transpose("combo_row", "combo"),
        node("MatMul", &["item", "combo"], "s0"),
        node("Add", &["s0", "user_linear"], "g"),
        node(
            "Slice",
            &["item", "emb_start", "emb_end", "axis_one"],
            slice_out,
        ),
    ];
    if p.stretch {
        nodes.push(concat(&["f_emb", "g"], "embedding"));
    }
    nodes.extend([
        transpose("personal_z", "pz"),
        node("MatMul", &["embedding", "pz"], "s_personal"),
        node("Add", &["personal_b", "mu"], "c1"),
        node("Add", &["g", "s_personal"], "s2"),
        node("Add", &["s2", "c1"], "score"),
    ]);
    let graph = pb::GraphProto {
        name: "pamela-predictor".into(),
        node: nodes,
        initializer: vec![
            tensor("W", &[di + 1, f], &weight_table(p)),
            tensor("A", &[du, r], &p.a),
            tensor("v", &[du, 1], &p.v),
            tensor("mu", &[1, 1], &[p.mu]),
            tensor("one", &[1, 1], &[1.0]),
            tensor("zeros_q", &[1, q], &vec![0.0; q as usize]),
            ints("axis_last", &[2]),
            ints("axis_k", &[1]),
            ints("axis_one", &[1]),
            ints("emb_start", &[r]),
            ints("emb_end", &[r + q]),
        ],
        input: vec![
            typed_value(
                "item_index",
                &[Err("N"), Err("K")],
                pb::tensor_proto::DataType::Int64,
            ),
            value("item_value", &[Err("N"), Err("K")]),
            value("user", &[Ok(1), Ok(du)]),
            value("personal_z", &[Ok(1), Ok(d)]),
            value("personal_b", &[Ok(1), Ok(1)]),
        ],
        output: vec![
            value("score", &[Err("N"), Ok(1)]),
            value("embedding", &[Err("N"), Ok(d)]),
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
///
/// The one graph is run in two parts, as two-tower models are served: the image side (gather
/// and sum of weight rows, `item`) once per set of images, and the scoring part once per
/// profile or refit. Both are cut from the same ONNX graph at load time.
pub struct Predictor {
    items_plan: Arc<TypedRunnableModel>,
    score_plan: Arc<TypedRunnableModel>,
    pub meta: ModelMeta,
}

/// The images' side of the model, computed once ([`Predictor::encode_items`]): per image the
/// vector `[e | f | w·x]` of width r + q + 1 (q without the stretch).
#[derive(Debug, Clone)]
pub struct ItemVectors {
    tensor: TValue,
    pub n: usize,
}

/// The part of `graph` that computes `outputs` from `inputs` (nodes upstream of the inputs are
/// left out; the initializers stay and unused ones are pruned by tract).
fn cut(
    proto: &pb::ModelProto,
    inputs: Vec<pb::ValueInfoProto>,
    outputs: Vec<pb::ValueInfoProto>,
) -> Result<pb::ModelProto, ModelError> {
    let graph = proto
        .graph
        .as_ref()
        .ok_or_else(|| ModelError::Corrupt("no graph".into()))?;
    let given: std::collections::HashSet<&str> = inputs.iter().map(|v| v.name.as_str()).collect();
    let mut producer = std::collections::HashMap::new();
    for (k, n) in graph.node.iter().enumerate() {
        for o in &n.output {
            producer.insert(o.as_str(), k);
        }
    }
    let mut keep = vec![false; graph.node.len()];
    let mut need: Vec<&str> = outputs.iter().map(|v| v.name.as_str()).collect();
    while let Some(name) = need.pop() {
        if given.contains(name) {
            continue;
        }
        if let Some(&k) = producer.get(name) {
            if !keep[k] {
                keep[k] = true;
                need.extend(graph.node[k].input.iter().map(String::as_str));
            }
        }
    }
    let mut g = graph.clone();
    g.node = graph
        .node
        .iter()
        .zip(&keep)
        .filter(|(_, k)| **k)
        .map(|(n, _)| n.clone())
        .collect();
    g.input = inputs;
    g.output = outputs;
    Ok(pb::ModelProto {
        graph: Some(g),
        ..proto.clone()
    })
}

fn plan(proto: &pb::ModelProto) -> Result<Arc<TypedRunnableModel>, ModelError> {
    tract_onnx::onnx()
        .model_for_proto_model(proto)
        .and_then(|m| m.into_optimized())
        .and_then(|m| m.into_runnable())
        .map_err(|e| ModelError::Corrupt(format!("{e}")))
}

/// ONNX data types whose `raw_data` the loader (tract-onnx 0.23) can read: float, uint8, int8,
/// uint16, int16, int32, int64, bool, float16, double, uint32, uint64. For any other type with
/// raw bytes (a string, complex or bfloat16 tensor) tract-onnx stops with `unimplemented!`, a
/// panic: a hostile file must be refused before it gets there.
const RAW_READABLE: [i32; 12] = [1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13];

/// Refuses tensors with raw bytes of a type tract cannot read, in the initializers and in node
/// attributes, and in subgraphs (to a bounded depth).
fn check_raw_tensors(g: &tract_onnx::pb::GraphProto, depth: usize) -> Result<(), ModelError> {
    if depth > 16 {
        return Err(ModelError::Corrupt("subgraphs nested too deeply".into()));
    }
    let check = |t: &tract_onnx::pb::TensorProto| {
        if !t.raw_data.is_empty() && !RAW_READABLE.contains(&t.data_type) {
            return Err(ModelError::Corrupt(format!(
                "tensor {:?} holds raw bytes of ONNX data type {}, which this app cannot read",
                t.name, t.data_type
            )));
        }
        Ok(())
    };
    for t in &g.initializer {
        check(t)?;
    }
    for node in &g.node {
        for a in &node.attribute {
            if let Some(t) = &a.t {
                check(t)?;
            }
            for t in &a.tensors {
                check(t)?;
            }
            if let Some(sub) = &a.g {
                check_raw_tensors(sub, depth + 1)?;
            }
            for sub in &a.graphs {
                check_raw_tensors(sub, depth + 1)?;
            }
        }
    }
    Ok(())
}

impl Predictor {
    /// Parses, checks against the metadata and this build's feature encoding, and optimizes
    /// once. Every failure is a [`ModelError`], never a panic.
    pub fn load(onnx: &[u8], meta: ModelMeta) -> Result<Predictor, ModelError> {
        meta.check()?;
        let proto = tract_onnx::onnx()
            .proto_model_for_read(&mut &onnx[..])
            .map_err(|e| ModelError::Corrupt(format!("{e}")))?;
        if let Some(g) = proto.graph.as_ref() {
            check_raw_tensors(g, 0)?;
        }
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
        // The weight table decides which column indices are valid: it must have one row per
        // column of the feature encoding (plus padding) or gathering could read past it.
        // q: the personal embedding's width in W; the personal part has `personal_rank`
        // numbers (q, and the stretch when there is one).
        let (di, q) = (
            meta.spec.item_dim(),
            meta.personal_rank - usize::from(meta.stretch),
        );
        let width = proto
            .graph
            .as_ref()
            .and_then(|g| g.initializer.iter().find(|t| t.name == "W"))
            .map(|t| t.dims.clone())
            .ok_or_else(|| ModelError::Corrupt("no weight table W".into()))?;
        if width.len() != 2 || width[0] != di as i64 + 1 || width[1] != (meta.rank + q + 1) as i64 {
            let sp = &meta.spec;
            return Err(ModelError::SpecMismatch(format!(
                "its weight table W is {width:?}, but the metadata's feature encoding has {di} \
                 image columns ({} `spec.types`, {} `spec.groups`, {} `spec.styles`, {} \
                 `spec.term_buckets`, {} `spec.images`) and `rank` {} + `personal_rank` {q}: \
                 expected [{}, {}]",
                sp.types.len(),
                sp.groups.len(),
                sp.styles.len(),
                sp.term_buckets,
                sp.images.len(),
                meta.rank,
                di + 1,
                meta.rank + q + 1
            )));
        }
        let expect = [
            ("item_index", None),
            ("item_value", None),
            ("user", Some(meta.spec.user_dim())),
            ("personal_z", Some(meta.personal_rank)),
            ("personal_b", Some(1)),
        ];
        let inputs = model
            .input_outlets()
            .map_err(|e| ModelError::Corrupt(format!("{e}")))?
            .to_vec();
        if inputs.len() != expect.len() {
            return Err(ModelError::SpecMismatch(format!(
                "expected {} inputs, found {}",
                expect.len(),
                inputs.len()
            )));
        }
        for (k, (name, dim)) in expect.iter().enumerate() {
            let Some(dim) = dim else { continue };
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
                    "input {name} takes {} columns, the metadata's feature encoding has {dim}",
                    last.map_or("an unknown number of".to_string(), |v| v.to_string())
                )));
            }
        }
        let width = (meta.rank + q + 1) as i64;
        let graph_inputs = proto
            .graph
            .as_ref()
            .map(|g| g.input.clone())
            .unwrap_or_default();
        let graph_outputs = proto
            .graph
            .as_ref()
            .map(|g| g.output.clone())
            .unwrap_or_default();
        if graph_inputs.len() != 5 {
            return Err(ModelError::SpecMismatch(format!(
                "expected 5 graph inputs, found {}",
                graph_inputs.len()
            )));
        }
        let item = value("item", &[Err("N"), Ok(width)]);
        let items_plan = plan(&cut(
            &proto,
            graph_inputs[..2].to_vec(),
            vec![item.clone()],
        )?)?;
        let mut score_inputs = vec![item];
        score_inputs.extend(graph_inputs[2..].iter().cloned());
        let score_plan = plan(&cut(&proto, score_inputs, graph_outputs)?)?;
        drop(model);
        Ok(Predictor {
            items_plan,
            score_plan,
            meta,
        })
    }

    /// The images' side of the model, once per set of images.
    pub fn encode_items(&self, items: &ItemBatch) -> Result<ItemVectors, ModelError> {
        if items.dim != self.meta.spec.item_dim() {
            return Err(ModelError::Run("input sizes do not match the model".into()));
        }
        let err = |e: TractError| ModelError::Run(format!("{e}"));
        let (n, k) = (items.n, items.k);
        let t_index = Tensor::from_shape(&[n, k], &items.index).map_err(err)?;
        let t_value = Tensor::from_shape(&[n, k], &items.value).map_err(err)?;
        let mut out = self
            .items_plan
            .run(tvec!(t_index.into(), t_value.into()))
            .map_err(err)?;
        Ok(ItemVectors {
            tensor: out.remove(0),
            n,
        })
    }

    /// Scores and embeddings (n x q, row-major) of encoded images for a profile (dense user
    /// features) and a personal part.
    pub fn score(
        &self,
        items: &ItemVectors,
        user: &[f32],
        personal: &Personal,
    ) -> Result<(Vec<f32>, Vec<f32>), ModelError> {
        let (du, q) = (self.meta.spec.user_dim(), self.meta.personal_rank);
        if user.len() != du || personal.z.len() != q {
            return Err(ModelError::Run("input sizes do not match the model".into()));
        }
        let err = |e: TractError| ModelError::Run(format!("{e}"));
        let t_user = Tensor::from_shape(&[1, du], user).map_err(err)?;
        let t_z = Tensor::from_shape(&[1, q], &personal.z).map_err(err)?;
        let t_b = Tensor::from_shape(&[1, 1], &[personal.bias]).map_err(err)?;
        let out = self
            .score_plan
            .run(tvec!(
                items.tensor.clone(),
                t_user.into(),
                t_z.into(),
                t_b.into()
            ))
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

    /// Both parts at once: scores and embeddings of the images of `items`.
    pub fn run(
        &self,
        items: &ItemBatch,
        user: &[f32],
        personal: &Personal,
    ) -> Result<(Vec<f32>, Vec<f32>), ModelError> {
        self.score(&self.encode_items(items)?, user, personal)
    }
}

/// Images as the model takes them: per image the column indices and values of its non-zero
/// features, padded to the longest (padding points at the weight table's zero row).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ItemBatch {
    pub n: usize,
    pub k: usize,
    /// The feature encoding's image columns (the padding index).
    pub dim: usize,
    pub index: Vec<i64>,
    pub value: Vec<f32>,
}

impl ItemBatch {
    /// Packs sparse rows of an encoding with `dim` image columns. Columns outside it (which
    /// [`crate::FeatureSpec::item`] never makes) are dropped, so every index is valid.
    pub fn new<'a>(rows: impl IntoIterator<Item = &'a Sparse>, dim: usize) -> ItemBatch {
        let rows: Vec<&Sparse> = rows.into_iter().collect();
        let k = rows.iter().map(|r| r.len()).max().unwrap_or(0).max(1);
        let mut b = ItemBatch {
            n: rows.len(),
            k,
            dim,
            index: Vec::with_capacity(rows.len() * k),
            value: Vec::with_capacity(rows.len() * k),
        };
        for row in rows {
            let kept: Vec<&(u32, f32)> = row.iter().filter(|(c, _)| (*c as usize) < dim).collect();
            for &&(c, x) in &kept {
                b.index.push(c as i64);
                b.value.push(x);
            }
            for _ in kept.len()..k {
                b.index.push(dim as i64);
                b.value.push(0.0);
            }
        }
        b
    }
}
