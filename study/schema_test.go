package study

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/protoseg-go/protoseg-go/study/report"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// resultsSchema is results.json's JSON Schema, kept under docs/.
const resultsSchema = "../docs/results.schema.json"

// validateResults validates the results.json in raw against the schema.
func validateResults(t *testing.T, raw []byte) {
	t.Helper()
	if err := validates(string(raw)); err != nil {
		t.Fatalf("results.json does not follow %s: %v", resultsSchema, err)
	}
}

// readResults reads dir's results.json, checks it against the schema and
// decodes it.
func readResults(t *testing.T, dir string) report.Results {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, report.ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	validateResults(t, raw)
	var res report.Results
	if err := json.Unmarshal(raw, &res); err != nil {
		t.Fatal(err)
	}
	return res
}

// The schema rejects what it must: a missing field, an unknown one, a bad verdict.
func TestResultsSchemaRejects(t *testing.T) {
	ok := `{"config":"c","backend":"b","dims":2,"datasets":[],"findings":[],"failure_detection":{},"qc_scores":{},"qc_dice":{}}`
	validateResults(t, []byte(ok))
	for _, bad := range []string{
		`{"config":"c","backend":"b","datasets":[],"findings":[],"failure_detection":{},"qc_scores":{},"qc_dice":{}}`,
		`{"config":"c","backend":"b","dims":4,"datasets":[],"findings":[],"failure_detection":{},"qc_scores":{},"qc_dice":{}}`,
		`{"config":"c","backend":"b","dims":2,"datasets":[],"findings":[],"failure_detection":{},"qc_scores":{}}`,
		`{"config":"c","backend":"b","dims":2,"datasets":[],"findings":[],"failure_detection":{},"qc_scores":{},"qc_dice":{},"extra":1}`,
		`{"config":"c","backend":"b","dims":2,"datasets":[],"findings":[{"claim":"x","verdict":"maybe","effect":null,"ci_low":null,"ci_high":null,"decided_by":"","per_dataset":[]}],"failure_detection":{},"qc_scores":{},"qc_dice":{}}`,
		`{"config":"c","backend":"b","dims":2,"datasets":[{"name":"d","synthetic":true,"calibration":{"sx":0,"sx_paper":null,"dice_mean":0,"dice_sd":0,"dice_mean_paper":null,"dice_sd_paper":null}}],"findings":[],"failure_detection":{},"qc_scores":{},"qc_dice":{}}`,
	} {
		if err := validates(bad); err == nil {
			t.Errorf("schema accepts %s", bad)
		}
	}
}

// validates reports whether raw follows the schema, without failing the test.
func validates(raw string) error {
	f, err := os.Open(resultsSchema)
	if err != nil {
		return err
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		return err
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("results.schema.json", doc); err != nil {
		return err
	}
	sch, err := c.Compile("results.schema.json")
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(raw)))
	if err != nil {
		return err
	}
	return sch.Validate(inst)
}

// TestResultsFileSchema validates the results.json that $PROTOSEG_RESULTS
// names: CI sets it to the quick run's (reproduce --quick).
func TestResultsFileSchema(t *testing.T) {
	path := os.Getenv("PROTOSEG_RESULTS")
	if path == "" {
		t.Skip("PROTOSEG_RESULTS not set (CI sets it to the quick run's results.json)")
	}
	raw, err := os.ReadFile(filepath.Clean(path))
	if err != nil {
		t.Fatal(err)
	}
	validateResults(t, raw)
}
