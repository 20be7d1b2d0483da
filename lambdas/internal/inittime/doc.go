// Package inittime measures how fast the rotation functions start: from exec to their
// first Runtime API request (GET .../invocation/next), and their resident memory then,
// beside a hello-world aws-lambda-go function (BenchmarkInit; make bench).
package inittime
