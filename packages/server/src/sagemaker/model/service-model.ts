/**
 * The request shapes of the SageMaker operations optml serves, as botocore's service model states
 * them (`sagemaker/2017-07-24/service-2.json`), generated into sagemaker-model.generated.ts by
 * scripts/gen-sagemaker-model.py. Shapes refer to each other by name, as in the service model, so
 * recursive shapes need no special case.
 *
 * This is the complete model (every member AWS accepts); the server's validation checks the members
 * optml acts on (validate-shapes.ts), and a test keeps the two consistent.
 */
export { SAGEMAKER_MODEL } from "./sagemaker-model.generated.js";

interface Bounds {
  /** A string's or list's or map's length, or a number's value. */
  readonly min?: number;
  readonly max?: number;
}
export interface ModelStringShape extends Bounds {
  readonly type: "string";
  readonly pattern?: string;
  readonly enum?: readonly string[];
}
export interface ModelNumberShape extends Bounds {
  readonly type: "integer" | "long" | "float" | "double";
}
export interface ModelPlainShape {
  readonly type: "boolean" | "timestamp" | "blob";
}
export interface ModelListShape extends Bounds {
  readonly type: "list";
  readonly member: string;
}
export interface ModelMapShape extends Bounds {
  readonly type: "map";
  readonly key: string;
  readonly value: string;
}
export interface ModelStructureShape {
  readonly type: "structure";
  /** Member name -> shape name, in the model's order (the order botocore lists them in messages). */
  readonly members: Readonly<Record<string, string>>;
  readonly required?: readonly string[];
  /** A tagged union: exactly one member is set. */
  readonly union?: boolean;
  /** A document: any JSON value. */
  readonly document?: boolean;
}
export type ModelShape = ModelStringShape | ModelNumberShape | ModelPlainShape | ModelListShape | ModelMapShape | ModelStructureShape;
export type ModelShapeType = ModelShape["type"];

export interface ServiceModel {
  /** The botocore release the model was generated from. */
  readonly botocoreVersion: string;
  readonly apiVersion: string;
  /** Operation name -> the name of its input shape. */
  readonly operations: Readonly<Record<string, string>>;
  readonly shapes: Readonly<Record<string, ModelShape>>;
}

/** The shape named `name`; a name the model lacks is a bug in the caller. */
export function modelShape(model: ServiceModel, name: string): ModelShape {
  const shape = model.shapes[name];
  if (shape === undefined) throw new Error(`the SageMaker model has no shape ${name}`);
  return shape;
}

/** The input shape of an operation the model holds. */
export function operationInput(model: ServiceModel, operation: string): ModelStructureShape {
  const name = model.operations[operation];
  if (name === undefined) throw new Error(`the SageMaker model has no operation ${operation}; add it to scripts/gen-sagemaker-model.py`);
  const shape = modelShape(model, name);
  if (shape.type !== "structure") throw new Error(`the input of ${operation} is not a structure`);
  return shape;
}
