// The part of the ONNX protobuf schema (onnx.proto, IR version 7 onwards) that simdnet writes
// and reads, as a protobufjs reflection descriptor: loaded with Root.fromJSON, so no .proto file
// is read at run time and the browser bundle needs no fs. Field names and numbers are those of
// onnx.proto (the ONNX project's schema); messages and fields simdnet never touches are left out,
// which protobuf allows: a decoder skips fields it does not know, so models written by other
// tools (with sparse initializers, training info, ...) still decode.
//
// onnx.proto is proto2: repeated scalars are unpacked unless marked packed (TensorProto's
// *_data fields are [packed = true]); `repeated int64 dims` and AttributeProto.ints are not.

import protobuf from 'protobufjs/light.js';

type Fields = Record<string, { type: string; id: number; rule?: 'repeated'; options?: { packed: boolean } }>;

const repeated = (type: string, id: number) => ({ type, id, rule: 'repeated' as const, options: { packed: false } });
const packed = (type: string, id: number) => ({ type, id, rule: 'repeated' as const, options: { packed: true } });

const AttributeProto: Fields = {
  name: { type: 'string', id: 1 },
  f: { type: 'float', id: 2 },
  i: { type: 'int64', id: 3 },
  s: { type: 'bytes', id: 4 },
  t: { type: 'TensorProto', id: 5 },
  g: { type: 'GraphProto', id: 6 },
  floats: repeated('float', 7),
  ints: repeated('int64', 8),
  strings: repeated('bytes', 9),
  tensors: repeated('TensorProto', 10),
  graphs: repeated('GraphProto', 11),
  doc_string: { type: 'string', id: 13 },
  type: { type: 'AttributeType', id: 20 },
  ref_attr_name: { type: 'string', id: 21 },
};

const descriptor = {
  nested: {
    onnx: {
      nested: {
        AttributeProto: {
          fields: AttributeProto,
          nested: {
            AttributeType: {
              values: {
                UNDEFINED: 0, FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8,
                TENSORS: 9, GRAPHS: 10, SPARSE_TENSOR: 11, SPARSE_TENSORS: 12,
              },
            },
          },
        },
        ValueInfoProto: {
          fields: { name: { type: 'string', id: 1 }, type: { type: 'TypeProto', id: 2 }, doc_string: { type: 'string', id: 3 } },
        },
        NodeProto: {
          fields: {
            input: repeated('string', 1), output: repeated('string', 2), name: { type: 'string', id: 3 },
            op_type: { type: 'string', id: 4 }, attribute: repeated('AttributeProto', 5),
            doc_string: { type: 'string', id: 6 }, domain: { type: 'string', id: 7 },
          },
        },
        ModelProto: {
          fields: {
            ir_version: { type: 'int64', id: 1 }, producer_name: { type: 'string', id: 2 },
            producer_version: { type: 'string', id: 3 }, domain: { type: 'string', id: 4 },
            model_version: { type: 'int64', id: 5 }, doc_string: { type: 'string', id: 6 },
            graph: { type: 'GraphProto', id: 7 }, opset_import: repeated('OperatorSetIdProto', 8),
            metadata_props: repeated('StringStringEntryProto', 14),
          },
        },
        StringStringEntryProto: { fields: { key: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
        GraphProto: {
          fields: {
            node: repeated('NodeProto', 1), name: { type: 'string', id: 2 }, initializer: repeated('TensorProto', 5),
            doc_string: { type: 'string', id: 10 }, input: repeated('ValueInfoProto', 11),
            output: repeated('ValueInfoProto', 12), value_info: repeated('ValueInfoProto', 13),
          },
        },
        TensorProto: {
          fields: {
            dims: repeated('int64', 1), data_type: { type: 'int32', id: 2 },
            float_data: packed('float', 4), int32_data: packed('int32', 5), int64_data: packed('int64', 7),
            name: { type: 'string', id: 8 }, raw_data: { type: 'bytes', id: 9 }, doc_string: { type: 'string', id: 12 },
            external_data: repeated('StringStringEntryProto', 13), data_location: { type: 'int32', id: 14 },
            double_data: packed('double', 10),
          },
        },
        TensorShapeProto: {
          fields: { dim: repeated('Dimension', 1) },
          nested: {
            Dimension: {
              oneofs: { value: { oneof: ['dim_value', 'dim_param'] } },
              fields: { dim_value: { type: 'int64', id: 1 }, dim_param: { type: 'string', id: 2 }, denotation: { type: 'string', id: 3 } },
            },
          },
        },
        TypeProto: {
          oneofs: { value: { oneof: ['tensor_type'] } },
          fields: { tensor_type: { type: 'Tensor', id: 1 }, denotation: { type: 'string', id: 6 } },
          nested: {
            Tensor: { fields: { elem_type: { type: 'int32', id: 1 }, shape: { type: 'TensorShapeProto', id: 2 } } },
          },
        },
        OperatorSetIdProto: { fields: { domain: { type: 'string', id: 1 }, version: { type: 'int64', id: 2 } } },
      },
    },
  },
};

/** TensorProto.DataType values simdnet uses. */
export const DataType = { FLOAT: 1, INT32: 6, INT64: 7, DOUBLE: 11 } as const;
/** AttributeProto.AttributeType values. */
export const AttrType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 } as const;

let modelType: protobuf.Type | undefined;

/** onnx.ModelProto, built from the descriptor on first use. */
export function modelProto(): protobuf.Type {
  modelType ??= protobuf.Root.fromJSON(descriptor).lookupType('onnx.ModelProto');
  return modelType;
}

// ---- plain-object shapes of the messages (the fields used here) --------------------------------

/** An int64 as protobufjs hands it back: a number, or a Long-like {low, high} pair. */
export type Int64 = number | { low: number; high: number; unsigned?: boolean; toNumber?: () => number };

export interface TensorMsg {
  name?: string; dims?: Int64[]; data_type?: number; raw_data?: Uint8Array;
  float_data?: number[]; int32_data?: number[]; int64_data?: Int64[]; double_data?: number[];
  data_location?: number;
}
export interface AttributeMsg {
  name?: string; type?: number; f?: number; i?: Int64; s?: Uint8Array; t?: TensorMsg; floats?: number[]; ints?: Int64[];
}
export interface NodeMsg { input?: string[]; output?: string[]; name?: string; op_type?: string; domain?: string; attribute?: AttributeMsg[] }
export interface DimMsg { dim_value?: Int64; dim_param?: string }
export interface ValueInfoMsg { name?: string; type?: { tensor_type?: { elem_type?: number; shape?: { dim?: DimMsg[] } } } }
export interface GraphMsg {
  name?: string; node?: NodeMsg[]; initializer?: TensorMsg[]; input?: ValueInfoMsg[]; output?: ValueInfoMsg[]; doc_string?: string;
}
export interface ModelMsg {
  ir_version?: Int64; producer_name?: string; producer_version?: string; doc_string?: string; model_version?: Int64;
  graph?: GraphMsg; opset_import?: { domain?: string; version?: Int64 }[]; metadata_props?: { key?: string; value?: string }[];
}

/** A safe-integer int64 as a number (throws past 2^53, which no shape or attribute here reaches). */
export function int64(v: Int64 | undefined | null, what: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') return v;
  const n = (v.unsigned ? v.high >>> 0 : v.high | 0) * 4294967296 + (v.low >>> 0);
  if (!Number.isSafeInteger(n)) throw new RangeError(`${what}: the int64 ${v.high}:${v.low} does not fit a JavaScript number`);
  return n;
}
