//go:build probe

package logs

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/spindle-yarn/spindle/client"
	"github.com/spindle-yarn/spindle/hadoopconf"
	"github.com/spindle-yarn/spindle/internal/yarn"
	"google.golang.org/protobuf/encoding/prototext"
)

func TestProbe(t *testing.T) {
	conf, _ := hadoopconf.LoadEnvironment()
	cl, err := client.Connect(conf)
	if err != nil { t.Fatal(err) }
	ctx := context.Background()
	app, _ := yarn.ParseApplicationID(os.Getenv("APP"))
	atts, err := cl.RM.Attempts(ctx, app)
	fmt.Println("attempts", err)
	for _, a := range atts {
		fmt.Println(prototext.Format(a))
		cs, err := cl.RM.Containers(ctx, yarn.AttemptIDFromProto(a.GetApplicationAttemptId()))
		fmt.Println("containers", err)
		for _, c := range cs { fmt.Println(prototext.Format(c)) }
	}
	nodes, _ := cl.RM.ClusterNodes(ctx)
	for _, n := range nodes { fmt.Println(prototext.Format(n)) }
}
