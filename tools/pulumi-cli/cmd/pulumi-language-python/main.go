// pulumi-language-python is a minimal Python language host for the Pulumi engine.
//
// Why it exists: the official host lives in its own Go module
// (github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3), which the
// module proxy reachable from our build machines refuses at every version. This host
// implements the part of the LanguageRuntime protocol that `pulumi preview/up/refresh/
// destroy` of a Python program needs, against the same sdk/v3 version as the engine,
// and delegates the actual program run to Pulumi's own `pulumi-language-python-exec`
// script (shipped in sdk/v3 and copied next to this binary at build time).
//
// Supported: Pulumi.yaml `runtime.options.virtualenv` (relative to the project root),
// PULUMI_PYTHON_CMD, config and secret keys, organization, root directory. Not
// supported: `pulumi new` templates, code generation, `pulumi install`, poetry/uv.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
)

// Exit code with which pulumi-language-python-exec says it already reported the error.
const exitAfterUserActionableMessage = 32

func main() {
	// The engine passes its own address as the last positional argument, possibly
	// preceded by logging/tracing flags that this host does not need.
	engineAddress := ""
	for _, a := range os.Args[1:] {
		if !strings.HasPrefix(a, "-") {
			engineAddress = a
		}
	}
	self, err := os.Executable()
	if err != nil {
		fatal(err)
	}
	execScript := self + "-exec"
	if _, err := os.Stat(execScript); err != nil {
		fatal(fmt.Errorf("%s is missing: rebuild the CLI with scripts/bootstrap.sh", execScript))
	}
	host := &pythonHost{engineAddress: engineAddress, execScript: execScript, programs: map[*os.Process]struct{}{}}
	go host.followEngine(os.Getppid(), time.Second)
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
	})
	if err != nil {
		fatal(err)
	}
	// The engine reads the port from our first line of stdout.
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fatal(err)
	}
}

func fatal(err error) {
	fmt.Fprintf(os.Stderr, "pulumi-language-python: %v\n", err)
	os.Exit(1)
}

type pythonHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	engineAddress string
	execScript    string

	mu       sync.Mutex
	programs map[*os.Process]struct{} // the Python programs running now
}

// followEngine exits once the engine that started this host is gone (killed, say): its
// parent changes when it is reparented. The programs it runs are killed first, so nothing of
// the stack is left behind. The engine is this host's parent: it starts plugins itself.
func (h *pythonHost) followEngine(engine int, every time.Duration) {
	for os.Getppid() == engine {
		time.Sleep(every)
	}
	h.mu.Lock()
	for program := range h.programs {
		_ = program.Signal(syscall.SIGKILL)
	}
	h.mu.Unlock()
	fmt.Fprintf(os.Stderr, "pulumi-language-python: the engine (pid %d) is gone: exiting\n", engine)
	os.Exit(1)
}

// runProgram runs one Python program to its end, known to followEngine meanwhile.
func (h *pythonHost) runProgram(cmd *exec.Cmd) error {
	// The program dies with the thread that started it even if this host were killed
	// outright; that thread stays locked to this call until the program ends.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	h.mu.Lock()
	err := cmd.Start()
	if err == nil {
		h.programs[cmd.Process] = struct{}{}
	}
	h.mu.Unlock()
	if err != nil {
		return err
	}
	err = cmd.Wait()
	h.mu.Lock()
	delete(h.programs, cmd.Process)
	h.mu.Unlock()
	return err
}

func (h *pythonHost) Handshake(
	_ context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	if req.GetEngineAddress() != "" {
		h.engineAddress = req.GetEngineAddress()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *pythonHost) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: strings.TrimPrefix(version.Version, "v")}, nil
}

// The dynamic provider plugin (pulumi-python) is bundled next to the CLI, and programs
// of this project need no other plugin, so nothing is reported as required.
func (h *pythonHost) GetRequiredPlugins(
	context.Context, *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return &pulumirpc.GetRequiredPluginsResponse{}, nil
}

func (h *pythonHost) GetRequiredPackages(
	context.Context, *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{}, nil
}

func (h *pythonHost) GetProgramDependencies(
	context.Context, *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	return &pulumirpc.GetProgramDependenciesResponse{}, nil
}

// Dependencies are installed by the project's bootstrap, not by the engine.
func (h *pythonHost) InstallDependencies(
	*pulumirpc.InstallDependenciesRequest, grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse],
) error {
	return nil
}

func (h *pythonHost) About(_ context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	python, _, err := pythonCommand(req.GetInfo())
	if err != nil {
		return nil, err
	}
	out, err := exec.Command(python, "--version").Output()
	if err != nil {
		return nil, fmt.Errorf("running %s --version: %w", python, err)
	}
	return &pulumirpc.AboutResponse{
		Executable: python,
		Version:    strings.TrimPrefix(strings.TrimSpace(string(out)), "Python "),
	}, nil
}

// pythonCommand picks the interpreter the way the official host does: the project's
// virtualenv option first, then PULUMI_PYTHON_CMD, then python3 on PATH. The second
// result is the virtualenv directory, if any.
func pythonCommand(info *pulumirpc.ProgramInfo) (string, string, error) {
	if info != nil && info.GetOptions() != nil {
		if v, ok := info.GetOptions().GetFields()["virtualenv"]; ok && v.GetStringValue() != "" {
			venv := v.GetStringValue()
			if !filepath.IsAbs(venv) {
				venv = filepath.Join(info.GetRootDirectory(), venv)
			}
			python := filepath.Join(venv, "bin", "python")
			if _, err := os.Stat(python); err != nil {
				return "", "", fmt.Errorf(
					"the virtualenv option in Pulumi.yaml points at %s, which has no bin/python: "+
						"create it (python3 -m venv %s) and install the program's requirements", venv, venv)
			}
			return python, venv, nil
		}
	}
	if cmd := os.Getenv("PULUMI_PYTHON_CMD"); cmd != "" {
		return cmd, "", nil
	}
	return "python3", "", nil
}

func (h *pythonHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	info := req.GetInfo()
	python, venv, err := pythonCommand(info)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}

	args := []string{"-u", h.execScript}
	add := func(flag, value string) {
		if value != "" {
			args = append(args, "--"+flag, value)
		}
	}
	add("monitor", req.GetMonitorAddress())
	add("engine", h.engineAddress)
	add("project", req.GetProject())
	add("stack", req.GetStack())
	add("pwd", req.GetPwd())
	add("dry_run", strconv.FormatBool(req.GetDryRun()))
	add("parallel", strconv.Itoa(int(req.GetParallel())))
	add("organization", req.GetOrganization())
	add("root_directory", info.GetRootDirectory())
	program := req.GetProgram()
	if info.GetProgramDirectory() != "" {
		program = filepath.Join(info.GetProgramDirectory(), info.GetEntryPoint())
	}
	if program == "" {
		program = "."
	}
	args = append(args, program)
	args = append(args, req.GetArgs()...)

	// The SDK wants a JSON object and a JSON list, never null.
	configMap := map[string]string{}
	maps.Copy(configMap, req.GetConfig())
	config, err := json.Marshal(configMap)
	if err != nil {
		return nil, err
	}
	secretKeys, err := json.Marshal(append([]string{}, req.GetConfigSecretKeys()...))
	if err != nil {
		return nil, err
	}
	env := append(os.Environ(),
		"PULUMI_CONFIG="+string(config),
		"PULUMI_CONFIG_SECRET_KEYS="+string(secretKeys),
	)
	if venv != "" {
		env = append(env,
			"VIRTUAL_ENV="+venv,
			"PATH="+filepath.Join(venv, "bin")+string(os.PathListSeparator)+os.Getenv("PATH"),
		)
	}

	cmd := exec.CommandContext(ctx, python, args...)
	cmd.Dir = req.GetPwd()
	cmd.Env = env
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	if err := h.runProgram(cmd); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			if exitErr.ExitCode() == exitAfterUserActionableMessage {
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{
				Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exitErr.ExitCode()),
			}, nil
		}
		return &pulumirpc.RunResponse{
			Error: fmt.Sprintf("could not run the Python program with %s: %v", python, err),
		}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}
