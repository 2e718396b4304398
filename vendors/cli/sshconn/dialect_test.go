package sshconn

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// The dialect files are the real users of Expect: check that their
// patterns work through a Channel with the prompts and questions the
// devices print.
type dialect struct {
	Name    string            `yaml:"name"`
	Prompts map[string]string `yaml:"prompts"`
	Pager   string            `yaml:"pager"`
	Refuse  []string          `yaml:"refuse_prompts"`
	Save    struct {
		Command string `yaml:"command"`
		Confirm []struct {
			Prompt string `yaml:"prompt"`
			Answer string `yaml:"answer"`
		} `yaml:"confirm"`
	} `yaml:"save"`
}

func TestDialectPatterns(t *testing.T) {
	samples := map[string]struct {
		prompts  map[string]string // mode -> prompt line
		question string            // the save confirmation
	}{
		"cisco-ios": {map[string]string{"exec": "lab-core>", "privileged": "lab-core#", "config": "lab-core(config-if)#"},
			"Destination filename [startup-config]? "},
		"cisco-sb": {map[string]string{"exec": "switch4f2a1c>", "privileged": "switch4f2a1c#", "config": "switch4f2a1c(config)#"},
			"Overwrite file [startup-config].... (Y/N)[N] ?"},
		"netgear-fastpath": {map[string]string{"exec": "(NETGEAR Switch) >", "privileged": "(NETGEAR Switch) #", "config": "(NETGEAR Switch) (Config)#"},
			"This operation may take a few minutes.\r\nAre you sure you want to save? (y/n) "},
	}
	files, _ := filepath.Glob("../dialects/*.yaml")
	if len(files) == 0 {
		t.Skip("no dialect files")
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var d dialect
		if err := yaml.Unmarshal(raw, &d); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		s, ok := samples[d.Name]
		if !ok {
			continue
		}
		t.Run(d.Name, func(t *testing.T) {
			e := Expect{Pager: regexp.MustCompile(d.Pager), Timeout: 2 * time.Second}
			for _, r := range d.Refuse {
				e.Refuse = append(e.Refuse, regexp.MustCompile(r))
			}
			for _, c := range d.Save.Confirm {
				e.Answers = append(e.Answers, Answer{Pattern: regexp.MustCompile(c.Prompt), Reply: c.Answer})
			}
			for mode, prompt := range s.prompts {
				e.Prompt = regexp.MustCompile(d.Prompts[mode])
				c, p := newPipeChannel(t)
				go func() {
					if p.waitFor("show x\n") {
						p.send("show x\r\nout\r\n", prompt[:3], prompt[3:])
					}
				}()
				got, err := c.Send(context.Background(), "show x", e)
				if err != nil || got != "out" {
					t.Errorf("%s prompt %q: %q, %v", mode, prompt, got, err)
				}
			}
			e.Prompt = regexp.MustCompile(d.Prompts["privileged"])
			c, p := newPipeChannel(t)
			go func() {
				if p.waitFor(d.Save.Command + "\n") {
					p.send(d.Save.Command+"\r\n", s.question)
				}
				if p.waitFor(d.Save.Confirm[0].Answer + "\n") {
					p.send("\r\nsaved [OK]\r\n", s.prompts["privileged"])
				}
			}()
			if _, err := c.Send(context.Background(), d.Save.Command, e); err != nil {
				t.Errorf("save: %v", err)
			}
		})
	}
}
