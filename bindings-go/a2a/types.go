package a2a

import (
	"encoding/json"
	"errors"
)

// The A2A (Google agent-to-agent, draft 0.1) shapes the Grantex bridge speaks, with their wire
// names (camelCase JSON). The core checks every shape when a call is made; these types only
// carry the values.

// JSON-RPC methods of the A2A protocol.
const (
	// MethodSend creates or continues a task with a message ("tasks/send").
	MethodSend = "tasks/send"
	// MethodGet reads a task ("tasks/get").
	MethodGet = "tasks/get"
	// MethodCancel cancels a task ("tasks/cancel").
	MethodCancel = "tasks/cancel"
)

// TaskState is the lifecycle state of a task.
type TaskState string

// The task states; a state the core does not know (a newer agent) arrives as TaskUnknown.
const (
	TaskSubmitted     TaskState = "submitted"
	TaskWorking       TaskState = "working"
	TaskInputRequired TaskState = "input-required"
	TaskCompleted     TaskState = "completed"
	TaskCanceled      TaskState = "canceled"
	TaskFailed        TaskState = "failed"
	TaskUnknown       TaskState = "unknown"
)

// Terminal reports whether the state never changes again (completed, canceled, failed).
func (s TaskState) Terminal() bool {
	return s == TaskCompleted || s == TaskCanceled || s == TaskFailed
}

// Role says who wrote a message.
type Role string

// The message roles.
const (
	RoleUser  Role = "user"
	RoleAgent Role = "agent"
)

// FileContent is a file referenced by URI or inlined (Bytes, base64) in a file part.
type FileContent struct {
	// URI references the file.
	URI string `json:"uri,omitempty"`
	// MimeType is its media type.
	MimeType string `json:"mimeType,omitempty"`
	// Name is its file name.
	Name string `json:"name,omitempty"`
	// Bytes is its content, base64.
	Bytes string `json:"bytes,omitempty"`
}

// Part is one piece of a message or artifact. Type is "text" (Text), "data" (Data,
// optionally MimeType) or "file" (File).
type Part struct {
	// Type is "text", "data" or "file".
	Type string
	// Text is a text part's text.
	Text string
	// Data is a data part's JSON value.
	Data json.RawMessage
	// MimeType is a data or file part's media type.
	MimeType string
	// File is a file part's file.
	File *FileContent
	// Metadata is optional JSON metadata.
	Metadata json.RawMessage
}

// TextPart is a text part.
func TextPart(text string) Part { return Part{Type: "text", Text: text} }

// DataPart is a data part holding the JSON value data.
func DataPart(data json.RawMessage) Part { return Part{Type: "data", Data: data} }

type partWire struct {
	Type     string          `json:"type"`
	Text     *string         `json:"text,omitempty"`
	Data     json.RawMessage `json:"data,omitempty"`
	MimeType string          `json:"mimeType,omitempty"`
	File     *FileContent    `json:"file,omitempty"`
	Metadata json.RawMessage `json:"metadata,omitempty"`
}

// MarshalJSON writes the part's wire shape (a text part always carries "text").
func (p Part) MarshalJSON() ([]byte, error) {
	w := partWire{Type: p.Type, Data: p.Data, MimeType: p.MimeType, File: p.File, Metadata: p.Metadata}
	if p.Type == "text" || p.Text != "" {
		text := p.Text
		w.Text = &text
	}
	if p.Type == "data" && len(p.Data) == 0 {
		w.Data = json.RawMessage("null")
	}
	return json.Marshal(w)
}

// UnmarshalJSON reads a part's wire shape.
func (p *Part) UnmarshalJSON(b []byte) error {
	var w partWire
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*p = Part{Type: w.Type, Data: w.Data, MimeType: w.MimeType, File: w.File, Metadata: w.Metadata}
	if w.Text != nil {
		p.Text = *w.Text
	}
	return nil
}

// Message is what the calling agent (RoleUser) and the remote agent (RoleAgent) exchange.
type Message struct {
	// Role is who wrote it.
	Role Role `json:"role"`
	// Parts are its contents.
	Parts []Part `json:"parts"`
	// Metadata is optional JSON metadata.
	Metadata json.RawMessage `json:"metadata,omitempty"`
}

// UserText is a user message holding one text part.
func UserText(text string) Message {
	return Message{Role: RoleUser, Parts: []Part{TextPart(text)}}
}

// TaskStatus is a task's state with the agent's latest message and an ISO-8601 timestamp.
type TaskStatus struct {
	// State is the lifecycle state.
	State TaskState `json:"state"`
	// Message is the agent's latest message, if any.
	Message *Message `json:"message,omitempty"`
	// Timestamp is when the state was reached (ISO 8601), if given.
	Timestamp string `json:"timestamp,omitempty"`
}

// Artifact is an output of a task.
type Artifact struct {
	// Name names it.
	Name string `json:"name,omitempty"`
	// Description describes it.
	Description string `json:"description,omitempty"`
	// Parts are its contents.
	Parts []Part `json:"parts"`
	// Metadata is optional JSON metadata.
	Metadata json.RawMessage `json:"metadata,omitempty"`
}

// Task is a unit of work on the remote agent.
type Task struct {
	// ID identifies the task.
	ID string `json:"id"`
	// Status is its state.
	Status TaskStatus `json:"status"`
	// Artifacts are its outputs.
	Artifacts []Artifact `json:"artifacts,omitempty"`
	// History is the conversation so far, when the agent returns it.
	History []Message `json:"history,omitempty"`
	// Metadata is optional JSON metadata.
	Metadata json.RawMessage `json:"metadata,omitempty"`
}

// TaskSendParams are the parameters of tasks/send: ID empty asks the agent to create a task.
type TaskSendParams struct {
	// ID continues an existing task ("" creates one).
	ID string `json:"id,omitempty"`
	// Message is what to send.
	Message Message `json:"message"`
	// Metadata is optional JSON metadata.
	Metadata json.RawMessage `json:"metadata,omitempty"`
}

// TaskGetParams are the parameters of tasks/get.
type TaskGetParams struct {
	// ID is the task.
	ID string `json:"id"`
	// HistoryLength, when set, asks for at most that many history messages.
	HistoryLength *int `json:"historyLength,omitempty"`
}

// TaskCancelParams are the parameters of tasks/cancel.
type TaskCancelParams struct {
	// ID is the task.
	ID string `json:"id"`
}

// GrantexAuthConfig is the Grantex part of a card's bearer scheme: where callers' tokens are
// verified and what they need.
type GrantexAuthConfig struct {
	// JwksURI is the issuer's key set.
	JwksURI string `json:"jwksUri"`
	// Issuer is the expected iss.
	Issuer string `json:"issuer"`
	// RequiredScopes are the scopes every call needs.
	RequiredScopes []string `json:"requiredScopes,omitempty"`
	// DelegationAllowed says whether delegated tokens are accepted (nil: not said).
	DelegationAllowed *bool `json:"delegationAllowed,omitempty"`
}

// AuthScheme is one entry of a card's authentication.schemes: a plain scheme name
// ("bearer") or an object with the Grantex settings.
type AuthScheme struct {
	// Scheme is the scheme's name ("bearer").
	Scheme string `json:"scheme"`
	// GrantexConfig is set on the Grantex bearer scheme.
	GrantexConfig *GrantexAuthConfig `json:"grantexConfig,omitempty"`
}

// UnmarshalJSON reads either form of a scheme: "bearer" or {"scheme":"bearer",...}.
func (s *AuthScheme) UnmarshalJSON(b []byte) error {
	var name string
	if err := json.Unmarshal(b, &name); err == nil {
		*s = AuthScheme{Scheme: name}
		return nil
	}
	type object AuthScheme
	var o object
	if err := json.Unmarshal(b, &o); err != nil {
		return errors.New("an authentication scheme is a name or an object with `scheme`")
	}
	*s = AuthScheme(o)
	return nil
}

// AgentAuthentication is a card's authentication section.
type AgentAuthentication struct {
	// Schemes are the accepted schemes.
	Schemes []AuthScheme `json:"schemes"`
	// Credentials is an optional hint for callers.
	Credentials string `json:"credentials,omitempty"`
}

// AgentProvider says who runs the agent.
type AgentProvider struct {
	// Organization is the provider's name.
	Organization string `json:"organization"`
	// URL is its web site.
	URL string `json:"url,omitempty"`
}

// AgentCapabilities are the optional protocol features the agent supports.
type AgentCapabilities struct {
	// Streaming is tasks/sendSubscribe support.
	Streaming *bool `json:"streaming,omitempty"`
	// PushNotifications is push notification support.
	PushNotifications *bool `json:"pushNotifications,omitempty"`
	// StateTransitionHistory is state history support.
	StateTransitionHistory *bool `json:"stateTransitionHistory,omitempty"`
}

// AgentSkill is something the agent can do.
type AgentSkill struct {
	// ID identifies the skill.
	ID string `json:"id"`
	// Name names it.
	Name string `json:"name"`
	// Description describes it.
	Description string `json:"description,omitempty"`
	// Tags classify it.
	Tags []string `json:"tags,omitempty"`
	// Examples are sample requests.
	Examples []string `json:"examples,omitempty"`
	// InputModes are the accepted media types.
	InputModes []string `json:"inputModes,omitempty"`
	// OutputModes are the produced media types.
	OutputModes []string `json:"outputModes,omitempty"`
}

// AgentCard is an A2A agent card (served at <agent URL>/.well-known/agent.json).
type AgentCard struct {
	// Name names the agent.
	Name string `json:"name"`
	// Description describes it.
	Description string `json:"description"`
	// URL is its JSON-RPC endpoint.
	URL string `json:"url"`
	// Version is its version.
	Version string `json:"version,omitempty"`
	// Provider says who runs it.
	Provider *AgentProvider `json:"provider,omitempty"`
	// Capabilities are its optional features.
	Capabilities *AgentCapabilities `json:"capabilities,omitempty"`
	// Authentication lists the schemes it accepts.
	Authentication *AgentAuthentication `json:"authentication,omitempty"`
	// DefaultInputModes are the media types it accepts by default.
	DefaultInputModes []string `json:"defaultInputModes,omitempty"`
	// DefaultOutputModes are the media types it produces by default.
	DefaultOutputModes []string `json:"defaultOutputModes,omitempty"`
	// Skills are what it can do.
	Skills []AgentSkill `json:"skills,omitempty"`
}
