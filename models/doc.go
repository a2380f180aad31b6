// Package models holds the model cards of the detection models Argus knows
// (labels, input size, pre- and post-processing, thresholds, licence,
// upstream, sha256), finds and checks the model files in a model directory,
// and vets a model in a child process before any process of ours loads it:
// OpenCV raises C++ exceptions that gocv does not catch, so a corrupt or
// unsupported ONNX file would otherwise abort the whole edge.
//
// The model files are in the repository beside their cards (both licences
// allow redistribution); DefaultDir finds them beside the binary, in the
// repository or in an installed path. It imports gocv and
// gopkg.in/yaml.v3, nothing of edge or gateway.
package models
