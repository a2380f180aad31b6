package objects

import "github.com/argus-edge/argus/edge/detect"

// kindOf maps a COCO label to the anomaly kind it raises; "" for labels
// Argus does not report (animals, furniture, bicycles...).
func kindOf(label string) string {
	switch label {
	case "person":
		return detect.Person
	case "car", "bus", "truck", "motorcycle", "motorbike":
		return detect.Vehicle
	}
	return ""
}

// wanted returns whether a class id is reported, from the model's labels.
func wanted(labels []string) func(int) bool {
	keep := make([]bool, len(labels))
	for i, l := range labels {
		keep[i] = kindOf(l) != ""
	}
	return func(c int) bool { return c >= 0 && c < len(keep) && keep[c] }
}
